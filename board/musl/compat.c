/* glibc-only symbols that Debian's arm64 libstdc++.so.6 and libgcc_s.so.1 import, provided on top of musl. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <locale.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/random.h>

char __libc_single_threaded = 0;

unsigned long __getauxval(unsigned long type) { return getauxval(type); }

size_t __strftime_l(char *s, size_t n, const char *f, const struct tm *t, locale_t l) { return strftime_l(s, n, f, t, l); }

uint32_t arc4random(void) {
  uint32_t v = 0;
  while (getrandom(&v, sizeof v, 0) != sizeof v) {}
  return v;
}

struct dtor { void (*fn)(void *); void *obj; struct dtor *next; };
static pthread_key_t dtor_key;
static pthread_once_t dtor_once = PTHREAD_ONCE_INIT;
static void run_dtors(void *head) {
  for (struct dtor *d = head, *next; d; d = next) { next = d->next; d->fn(d->obj); free(d); }
}
static void make_key(void) { pthread_key_create(&dtor_key, run_dtors); }
int __cxa_thread_atexit_impl(void (*fn)(void *), void *obj, void *dso) {
  (void)dso;
  pthread_once(&dtor_once, make_key);
  struct dtor *d = malloc(sizeof *d);
  if (!d) return -1;
  d->fn = fn; d->obj = obj; d->next = pthread_getspecific(dtor_key);
  return pthread_setspecific(dtor_key, d);
}

/* glibc 2.35's struct dl_find_object; libgcc's unwinder reads map bounds and the PT_GNU_EH_FRAME address. */
struct dl_find_object { unsigned long long flags; void *map_start, *map_end, *link_map, *eh_frame; unsigned long long reserved[7]; };
struct find { uintptr_t pc; struct dl_find_object *out; };
static int find_cb(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct find *f = data;
  uintptr_t lo = UINTPTR_MAX, hi = 0; void *eh = NULL; int hit = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + p->p_vaddr, end = start + p->p_memsz;
    if (p->p_type == PT_LOAD) {
      if (start < lo) lo = start;
      if (end > hi) hi = end;
      if (f->pc >= start && f->pc < end) hit = 1;
    } else if (p->p_type == PT_GNU_EH_FRAME) eh = (void *)start;
  }
  if (!hit) return 0;
  f->out->flags = 0; f->out->map_start = (void *)lo; f->out->map_end = (void *)hi; f->out->link_map = NULL; f->out->eh_frame = eh;
  return 1;
}
int _dl_find_object(void *pc, struct dl_find_object *out) {
  struct find f = { (uintptr_t)pc, out };
  return dl_iterate_phdr(find_cb, &f) ? 0 : -1;
}
