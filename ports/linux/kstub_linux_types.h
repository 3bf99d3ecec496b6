/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * KSTUB_TYPES_HEADER for Kbuild: Kbuild compiles with -nostdinc, so the
 * stub's fixed-width types, size_t, bool and NULL come from the kernel.
 */
#ifndef KSTUB_LINUX_TYPES_H
#define KSTUB_LINUX_TYPES_H

#include <linux/types.h>
#include <linux/stddef.h>

#endif
