/* SPDX-License-Identifier: BSD-2-Clause */
/* placeholder: not written yet */
typedef int kstub_placeholder_threads;
