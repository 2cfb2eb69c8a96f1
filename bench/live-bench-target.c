/* SPDX-License-Identifier: MIT */
/*
 * live-bench-target.c: 64 GiB reserved, 4 GiB touched in 64 chunks of
 * 64 MiB spread evenly over the reservation (THP off so every page has a
 * pte); prints its pid and the reservation, then sleeps until killed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GiB ((size_t)1 << 30)
#define MiB ((size_t)1 << 20)

int
main(void)
{
	size_t total = 64 * GiB, chunk = 64 * MiB, stride = total / 64;
	char *p = mmap(NULL, total, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(p, total, MADV_NOHUGEPAGE);
	for (size_t c = 0; c < 64; c++)
		for (size_t o = 0; o < chunk; o += 4096)
			p[c * stride + o] = 1;
	printf("%d %p %zu\n", (int)getpid(), (void *)p, total);
	fflush(stdout);
	for (;;)
		pause();
}
