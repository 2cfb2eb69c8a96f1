/* SPDX-License-Identifier: MIT */
/* base64.c: RFC 4648 base64 decoding. */
#include "config.h"
#include "base64.h"

#include <stdlib.h>

#include "xalloc.h"

/* Value of one alphabet character, -1 for others. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
base64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *buf = xmalloc(len / 4 * 3 + 3);
	unsigned long acc = 0;
	unsigned bits = 0;
	size_t n = 0, i = 0;

	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;

		if (c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if ((v = b64_value(c)) < 0) {
			free(buf);
			return -1;
		}
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (unsigned char)(acc >> bits);
		}
	}
	*out = buf;
	*outlen = n;
	return 0;
}
