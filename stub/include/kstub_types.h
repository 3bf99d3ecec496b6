/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The only kstub header that reaches outside the project: it obtains the
 * fixed-width integer types, size_t and bool.
 *
 * Kernels that build with -nostdinc (Linux Kbuild, FreeBSD's kern.pre.mk)
 * define KSTUB_TYPES_HEADER to a header of their own that provides
 * uint8_t..uint64_t, int8_t..int64_t, uintptr_t, size_t, bool, true, false
 * and NULL; every other build gets them from the compiler's freestanding
 * headers, which exist even under -ffreestanding.
 */
#ifndef KSTUB_TYPES_H
#define KSTUB_TYPES_H

#ifdef KSTUB_TYPES_HEADER
#include KSTUB_TYPES_HEADER
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#endif /* KSTUB_TYPES_H */
