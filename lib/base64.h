/* SPDX-License-Identifier: MIT */
/* base64.h: RFC 4648 base64 decoding (uploads of binary files in JSON). */
#ifndef PTS_BASE64_H
#define PTS_BASE64_H

#include <stddef.h>

/* Decode len characters of s (padding optional, whitespace skipped) into a
   new buffer.  Returns 0, or -1 on a character outside the alphabet. */
int base64_decode(const char *s, size_t len, unsigned char **out,
    size_t *outlen);

#endif
