"""A private network for the UDP scenarios: two network namespaces joined
by a veth pair, made for one scenario and removed after it, also when it
fails (a context manager, and atexit for a runner that is interrupted).

    kernel side (netns K)            debugger side (netns D)
    veth end, up, no IP:             veth end, GDB_IP/24 and STRANGER_IP/24,
    kstub-sim's NIC model owns it    checksum offload off; gdb, ping run here
    (pcap), the stub has KERNEL_IP

Names carry this process's id and a counter, so parallel scenarios and
other sessions' runs never collide. The addresses are the same in every
pair: namespaces do not share them."""
import atexit
import itertools
import os
import signal
import subprocess
import sys
import threading

KERNEL_IP = "10.77.0.2"
GDB_IP = "10.77.0.1"
STRANGER_IP = "10.77.0.3"
PORT = 5555

_seq = itertools.count(1)
_live = set()
_lock = threading.Lock()


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30,
                          check=check)


def unavailable():
    """None if network namespaces can be made here, else why not."""
    if os.geteuid() != 0:
        return "not root (network namespaces and packet capture need root)"
    name = f"ksprobe{os.getpid()}"
    try:
        made = _ip("netns", "add", name, check=False)
    except OSError as e:
        return f"no ip command: {e}"
    if made.returncode:
        return f"ip netns add failed: {made.stderr.strip()}"
    _ip("netns", "del", name, check=False)
    return None


class VethPair:
    def __init__(self):
        n = f"{os.getpid()}x{next(_seq)}"
        self.kns, self.dns = f"kstub-k{n}", f"kstub-d{n}"
        # Interface names: at most 15 characters.
        self.kif, self.dif = f"ksk{n}"[:15], f"ksd{n}"[:15]
        with _lock:
            _live.add(self)
        try:
            _ip("netns", "add", self.kns)
            _ip("netns", "add", self.dns)
            _ip("link", "add", self.kif, "type", "veth", "peer", "name", self.dif)
            _ip("link", "set", self.kif, "netns", self.kns)
            _ip("link", "set", self.dif, "netns", self.dns)
            # The kernel side's host stack stays silent: no IPv6 chatter
            # leaves the interface the NIC model transmits on.
            self.kernel(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"])
            _ip("-n", self.kns, "link", "set", self.kif, "up")
            for addr in (GDB_IP, STRANGER_IP):
                _ip("-n", self.dns, "addr", "add", f"{addr}/24", "dev", self.dif)
            # A veth leaves the UDP checksum to the receiver's stack; the
            # NIC model reads raw frames and would drop them as corrupt.
            self.debugger(["ethtool", "-K", self.dif, "tx", "off"])
            _ip("-n", self.dns, "link", "set", self.dif, "up")
            _ip("-n", self.dns, "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise

    def prefix(self, side):
        return ["ip", "netns", "exec", self.kns if side == "kernel" else self.dns]

    def kernel(self, args, **kw):
        return subprocess.run(self.prefix("kernel") + args, check=True, capture_output=True,
                              text=True, timeout=kw.pop("timeout", 30), **kw)

    def debugger(self, args, check=True, timeout=30):
        return subprocess.run(self.prefix("debugger") + args, check=check,
                              capture_output=True, text=True, timeout=timeout)

    def udp_spec(self, extra=""):
        """--udp's value for kstub-sim in the kernel namespace."""
        return f"{self.kif},ip={KERNEL_IP},port={PORT}{extra}"

    def close(self):
        # Deleting a namespace deletes the veth end in it, and the peer.
        for ns in (self.kns, self.dns):
            _ip("netns", "del", ns, check=False)
        with _lock:
            _live.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@atexit.register
def _remove_all():
    for pair in list(_live):
        pair.close()


# A runner ended by SIGTERM (a timeout, kill) runs the atexit cleanup
# too: the default action would leave the namespaces behind.
if threading.current_thread() is threading.main_thread() and \
        signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(128 + sig))
