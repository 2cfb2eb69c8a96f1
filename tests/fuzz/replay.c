/* SPDX-License-Identifier: MIT */
/*
 * replay.c: main() for every fuzz harness (tests/fuzz/fuzz-*.c) built
 * without libFuzzer (make check, tests/fuzz/replay.sh): every file named on
 * the command line, and every file of every directory named, goes through
 * LLVMFuzzerTestOneInput once.
 * A crash, a sanitizer report or an abort() in a harness's own checks fails
 * the test; so do no inputs at all (a moved corpus).
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feed one file; 1 when it was read. */
static int
replay_one(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int n = 0;

	if (strbuf_read_file(&sb, path, 0, NULL) == 0) {
		LLVMFuzzerTestOneInput((const uint8_t *)(sb.buf ? sb.buf : ""),
		    sb.len);
		n = 1;
	} else {
		fprintf(stderr, "replay: cannot read %s\n", path);
	}
	strbuf_release(&sb);
	return n;
}

/* Feed each regular file of a directory (hidden files skipped). */
static int
replay_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];
	int n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		n += replay_one(path);
	}
	closedir(d);
	return n;
}

/* Replay each argument; exit 1 when nothing was replayed. */
int
main(int argc, char **argv)
{
	struct stat st;
	int n = 0;

	for (int i = 1; i < argc; i++)
		n += stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) ?
		    replay_tree(argv[i]) : replay_one(argv[i]);
	printf("%s: %d inputs replayed\n", argv[0], n);
	return n > 0 ? 0 : 1;
}
