/* SPDX-License-Identifier: MIT */
/*
 * vm-pagemap: runs inside a test guest.  Touches a buffer, prints the PFN
 * /proc/self/pagemap gives for each of its pages ("PAGEMAP va pfn"), then
 * spins so that it stays the current task while the test reads CR3.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NPAGES 16

int
main(void)
{
	long psz = sysconf(_SC_PAGESIZE);
	unsigned char *buf = aligned_alloc((size_t)psz, NPAGES * (size_t)psz);
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (buf == NULL || fd < 0)
		return 1;
	for (int i = 0; i < NPAGES; i++)
		buf[(size_t)i * (size_t)psz] = (unsigned char)i + 1;
	for (int i = 0; i < NPAGES; i++) {
		uintptr_t va = (uintptr_t)buf + (size_t)i * (size_t)psz;
		uint64_t e;

		if (pread(fd, &e, 8, (off_t)(va / (uintptr_t)psz) * 8) != 8)
			return 1;
		if (e >> 63)	/* present: PFN in bits 54:0 */
			printf("PAGEMAP 0x%lx 0x%llx\n", (unsigned long)va,
			    (unsigned long long)(e & ((1ULL << 55) - 1)));
	}
	printf("PAGEMAP-DONE\n");
	fflush(stdout);
	for (volatile unsigned long n = 0;; n++)
		buf[n % ((size_t)NPAGES * (size_t)psz)]++;
}
