# hostsim: the simulated kernel (filled in by the hostsim work).
ALL_HOSTSIM :=
