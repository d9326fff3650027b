#!/bin/busybox sh
# Stage 2 of the board's boot, on the disk: the system mounts a board's init would make, cgroup v2 with every
# controller enabled for children, the loopback interface, then the job; its exit status goes to the console and the
# board powers off.
/bin/busybox mkdir -p /run/board/bin
/bin/busybox --install -s /run/board/bin
export PATH=/run/board/bin:/opt/bunker/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
  echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control || echo "board: cannot enable cgroup controller $c"
done
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o size=16m tmpfs /dev/shm
mount -t tmpfs -o size=32m tmpfs /tmp
hostname -F /etc/hostname
# A board's network comes up with its loopback first; CRIU also needs it (its TCP repair probe connects to lo).
ip link set lo up || echo "board: cannot bring lo up"
echo "BOARD-READY uptime=$(cut -d' ' -f1 /proc/uptime)"
cd /
# A boot with an inittab goes to busybox init as a board's would; its inittab runs the job and powers off.
if [ -f /run/board/inittab ]; then
  cp /run/board/inittab /etc/inittab
  exec /bin/busybox init
fi
sh /run/board/job.sh
echo "BOARD-JOB-EXIT $?"
sync
umount /tmp /dev/shm /dev/pts 2>/dev/null
mount -o remount,ro / 2>/dev/null
poweroff -f
