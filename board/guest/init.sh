#!/bin/busybox sh
# Stage 1 of the board's boot, from the initramfs: load the kernel modules, mount the virtio disk (the board's flash)
# and switch to it. Stage 2 and the job travel in the initramfs, so a job can run on any disk image.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do
  insmod "/lib/modules/$m" || echo "board: insmod $m failed"
done < /etc/board/modules
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
if ! mount -t ext4 -o noatime /dev/vda /newroot; then
  echo "BOARD-PANIC cannot mount /dev/vda"
  poweroff -f
fi
mount -t tmpfs -o mode=755,size=16m tmpfs /newroot/run
mkdir -p /newroot/run/board
cp /etc/board/stage2.sh /etc/board/job.sh /newroot/run/board/
[ -f /etc/board/inittab ] && cp /etc/board/inittab /newroot/run/board/
mount --move /dev /newroot/dev
umount /sys /proc
exec switch_root /newroot /bin/busybox sh /run/board/stage2.sh
