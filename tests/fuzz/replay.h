/* SPDX-License-Identifier: MIT */
/*
 * replay.h: a main() for fuzz harnesses built without libFuzzer: it
 * feeds every file named on the command line (directories are walked one
 * level deep) to LLVMFuzzerTestOneInput, so make check replays the corpus
 * and every kept crasher.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "strbuf.h"

/* Feed one file to the harness; returns 1 when it was read. */
static int
replay_file(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int n = 0;

	if (strbuf_read_file(&sb, path, 0, NULL) == 0) {
		LLVMFuzzerTestOneInput((const uint8_t *)(sb.buf ? sb.buf : ""),
		    sb.len);
		n = 1;
	}
	strbuf_release(&sb);
	return n;
}

/* Feed every regular file of a directory. */
static int
replay_dir(const char *dir)
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
		n += replay_file(path);
	}
	closedir(d);
	return n;
}

/* Replay each argument (file or directory); prints the count. */
int
main(int argc, char **argv)
{
	struct stat st;
	int n = 0;

	for (int i = 1; i < argc; i++)
		n += (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) ?
		    replay_dir(argv[i]) : replay_file(argv[i]);
	printf("%s: replayed %d inputs\n", argv[0], n);
	return n > 0 ? 0 : 1;
}
