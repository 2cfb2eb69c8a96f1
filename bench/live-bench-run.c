/* SPDX-License-Identifier: MIT */
/*
 * live-bench-run.c: run a command once with stdout to /dev/null; print its
 * wall time in milliseconds and its peak RSS in KiB (wait4's ru_maxrss).
 *   live-bench-run CMD [ARG...]
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	struct rusage ru;
	double t;
	pid_t pid;
	int st;

	if (argc < 2)
		return fprintf(stderr, "usage: %s CMD [ARG...]\n", argv[0]), 2;
	t = now_ms();
	if ((pid = fork()) == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &st, 0, &ru) != pid)
		return perror("fork/wait4"), 1;
	t = now_ms() - t;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return fprintf(stderr, "%s failed\n", argv[1]), 1;
	printf("%.3f %ld\n", t, ru.ru_maxrss);
	return 0;
}
