# The one Debian kernel ABI the Linux port is built and tested against.
# MODVERSIONS makes a module load only into the kernel whose headers built
# it, so scripts/deps.sh (headers, image) and ports/linux/linux.mk (build,
# e2e) all read this line. Several 6.1.0-N coexist in bookworm's archive;
# move N forward when Debian drops this one.
KSTUB_LINUX_ABI = 6.1.0-57-amd64
