#!/usr/bin/env bash
# Runs a linux-arm64 program on this x86-64 machine: qemu-aarch64-static PROGRAM ARGS…, with Debian's arm64 C library,
# libstdc++ and OpenSSL installed (make setup and make bench-edge install them with qemu-user-static).
#
# QEMU 7.2's user mode shows an aarch64 guest the host's x86 /proc/cpuinfo; ONNX Runtime's cpuinfo library then finds no
# ARM processor and dereferences null while it creates a session (SIGSEGV). qemu's -L prefix serves the guest any file
# the prefix tree holds, so the guest reads an ARM /proc/cpuinfo (Neoverse-N1, one entry per present CPU) from there.
# A real ARM device has its own and needs none of this.
set -euo pipefail
root="${QEMU_ARM64_ROOT:-${TMPDIR:-/tmp}/pipeline-qemu-arm64}"
mkdir -p "$root/proc"
cpuinfo=""
IFS=, read -ra ranges < /sys/devices/system/cpu/present
for range in "${ranges[@]}"; do
  for cpu in $(seq "${range%-*}" "${range#*-}"); do
    cpuinfo+="processor	: $cpu
BogoMIPS	: 50.00
Features	: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x3
CPU part	: 0xd0c
CPU revision	: 1

"
  done
done
printf '%s' "$cpuinfo" > "$root/proc/cpuinfo"
exec qemu-aarch64-static -L "$root" "$@"
