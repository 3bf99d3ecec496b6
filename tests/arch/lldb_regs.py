# SPDX-License-Identifier: BSD-2-Clause
# Run inside lldb ("script exec(open(...).read())"): prints every register
# of the selected frame as "REG set name bytes value", for check_tdesc.sh.
for regset in lldb.frame.GetRegisters():
    for reg in regset:
        print("REG %s %s %d %s" % (regset.GetName().replace(" ", "_"),
                                   reg.GetName(), reg.GetByteSize(),
                                   reg.GetValue()))
