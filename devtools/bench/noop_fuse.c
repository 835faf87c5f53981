/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * noop_fuse: the ceiling of the device node's path -- a FUSE file that
 * does nothing.  devtools/bench_cdev.py.
 *
 *     noop_fuse PATH SIZE [CPU]
 *
 * mounts a libfuse3 low-level file system on the regular file PATH whose
 * root *is* the file, as the device node (drivers/net/bsdtun/bsdtun_cdev.c)
 * does, with the same open reply (FOPEN_DIRECT_IO | FOPEN_NONSEEKABLE |
 * FOPEN_STREAM, sent by hand: libfuse 3.14's fuse_reply_open() cannot set
 * FOPEN_STREAM) and the same capabilities (no splice, no writeback cache,
 * no async read).  write returns the size at once; read returns a fixed
 * SIZE-byte IPv4/UDP packet at once.  One thread, libfuse's own
 * single-threaded loop (blocking read(2) of /dev/fuse: no poll in front,
 * unlike the node, whose thread also polls a bell and an eventfd).
 *
 * CPU pins the process.  Prints "ready" once mounted; SIGTERM/SIGINT
 * unmount and exit 0.
 */
#define FUSE_USE_VERSION 35
#define _GNU_SOURCE

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "udp_packet.h"

struct open_out { /* struct fuse_open_out, <linux/fuse.h> */
	uint64_t fh;
	uint32_t open_flags;
	uint32_t padding;
};
#define FOPEN_DIRECT_IO_   (1u << 0)
#define FOPEN_NONSEEKABLE_ (1u << 2)
#define FOPEN_STREAM_      (1u << 4)

static unsigned char pkt[16384];
static size_t pkt_len;
static time_t t0;

static void
noop_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->want &= ~(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE |
	                FUSE_CAP_SPLICE_MOVE | FUSE_CAP_WRITEBACK_CACHE |
	                FUSE_CAP_ASYNC_READ);
}

static void
noop_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)ino;
	(void)fi;
	memset(&st, 0, sizeof(st));
	st.st_ino = FUSE_ROOT_ID;
	st.st_mode = S_IFREG | 0666;
	st.st_nlink = 1;
	st.st_blksize = 4096;
	st.st_atime = st.st_mtime = st.st_ctime = t0;
	fuse_reply_attr(req, &st, 0.0);
}

static void
noop_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
             struct fuse_file_info *fi)
{
	(void)attr;
	(void)to_set;
	noop_getattr(req, ino, fi);
}

static void
noop_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	fuse_reply_err(req, ENOTDIR);
}

static void
noop_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct open_out oo;

	(void)ino;
	(void)fi;
	memset(&oo, 0, sizeof(oo));
	oo.fh = 1;
	oo.open_flags = FOPEN_DIRECT_IO_ | FOPEN_NONSEEKABLE_ | FOPEN_STREAM_;
	fuse_reply_buf(req, (const char *)&oo, sizeof(oo));
}

static void
noop_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
          struct fuse_file_info *fi)
{
	(void)ino;
	(void)off;
	(void)fi;
	fuse_reply_buf(req, (const char *)pkt, size < pkt_len ? size : pkt_len);
}

static void
noop_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
           off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	(void)buf;
	(void)off;
	(void)fi;
	fuse_reply_write(req, size);
}

static void
noop_ok(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static const struct fuse_lowlevel_ops ops = {
	.init = noop_init,
	.lookup = noop_lookup,
	.getattr = noop_getattr,
	.setattr = noop_setattr,
	.open = noop_open,
	.read = noop_read,
	.write = noop_write,
	.flush = noop_ok,
	.release = noop_ok,
};

int
main(int argc, char **argv)
{
	char *fargv[] = { argv[0], (char *)"-o",
		          (char *)"fsname=noop,subtype=noop", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse_session *se;
	int ret;

	if (argc < 3) {
		fprintf(stderr, "usage: noop_fuse PATH SIZE [CPU]\n");
		return 2;
	}
	pkt_len = strtoul(argv[2], NULL, 0);
	if (pkt_len < 28 || pkt_len > sizeof(pkt)) {
		fprintf(stderr, "noop_fuse: SIZE must be 28..%zu\n",
		        sizeof(pkt));
		return 2;
	}
	bench_udp_packet(pkt, pkt_len, 0x0a630001, 0x0a630002);
	if (argc > 3) {
		cpu_set_t cs;

		CPU_ZERO(&cs);
		CPU_SET(atoi(argv[3]), &cs);
		if (sched_setaffinity(0, sizeof(cs), &cs) != 0) {
			perror("noop_fuse: sched_setaffinity");
			return 1;
		}
	}
	t0 = time(NULL);
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	fuse_opt_free_args(&args);
	if (se == NULL)
		return 1;
	if (fuse_set_signal_handlers(se) != 0) {
		fuse_session_destroy(se);
		return 1;
	}
	if (fuse_session_mount(se, argv[1]) != 0) {
		fuse_remove_signal_handlers(se);
		fuse_session_destroy(se);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	ret = fuse_session_loop(se);
	fuse_session_unmount(se);
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	return ret < 0 ? 1 : 0;
}
