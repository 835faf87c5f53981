/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuntest ioctl ENDPOINT REQUEST [VALUE]: open the unit, issue one tun
 * ioctl, print the result, close.  ifconfig for a bsdtun unit; modes and
 * MTU persist after the close, as on /dev/tunN.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "face.h"
#include "tuntest.h"

static int
parse_int(const char *s, int *v)
{
	char *end;
	long n;

	if (s == NULL)
		return -1;
	errno = 0;
	n = strtol(s, &end, 0);
	if (errno != 0 || *end != '\0' || n < -2147483648L || n > 2147483647L)
		return -1;
	*v = (int)n;
	return 0;
}

static int
ioctl_run(const struct tt_cmd *cmd, int argc, char **argv)
{
	struct tt_face f;
	struct tuninfo ti;
	const char *req, *val;
	int v = 0, r;

	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		tt_help(cmd, stdout);
		return TT_EXIT_OK;
	}
	if (argc < 3 || argc > 4) {
		tt_help(cmd, stderr);
		return TT_EXIT_USAGE;
	}
	req = argv[2];
	val = argc == 4 ? argv[3] : NULL;
	if (tt_face_open(&f, argv[1], O_NONBLOCK) < 0) {
		fprintf(stderr, "tuntest ioctl: open %s: %s\n", argv[1],
		        strerror(errno));
		return TT_EXIT_USAGE;
	}
	memset(&ti, 0, sizeof(ti));
	r = tt_face_ioctl(&f, TUNGIFINFO, &ti);
	if (!strcmp(req, "info") && r == 0) {
		v = 0;
		r = tt_face_ioctl(&f, TUNGIFHEAD, &v);
		printf("mtu %d type 0x%x baudrate %d ifhead %d\n", ti.mtu,
		       ti.type, ti.baudrate, v);
	} else if (!strcmp(req, "mtu") && r == 0 && parse_int(val, &v) == 0) {
		ti.mtu = (short)v;
		r = v != ti.mtu ? (errno = EINVAL, -1) :
		                  tt_face_ioctl(&f, TUNSIFINFO, &ti);
	} else if (!strcmp(req, "ifhead") && parse_int(val, &v) == 0) {
		r = tt_face_ioctl(&f, TUNSIFHEAD, &v);
	} else if (!strcmp(req, "lmode") && parse_int(val, &v) == 0) {
		r = tt_face_ioctl(&f, TUNSLMODE, &v);
	} else if (!strcmp(req, "debug") && parse_int(val, &v) == 0) {
		r = tt_face_ioctl(&f, TUNSDEBUG, &v);
	} else if (!strcmp(req, "ifmode") && val != NULL) {
		if (!strcmp(val, "pointopoint"))
			v = IFF_POINTOPOINT;
		else if (!strcmp(val, "broadcast"))
			v = IFF_BROADCAST;
		else if (!strcmp(val, "pointopoint,multicast"))
			v = IFF_POINTOPOINT | IFF_MULTICAST;
		else if (!strcmp(val, "broadcast,multicast"))
			v = IFF_BROADCAST | IFF_MULTICAST;
		else if (parse_int(val, &v) < 0)
			goto usage;
		r = tt_face_ioctl(&f, TUNSIFMODE, &v);
	} else if (!strcmp(req, "pid") && val == NULL) {
		r = tt_face_ioctl(&f, TUNSIFPID, NULL);
	} else if (r == 0) {
		goto usage;
	}
	if (r < 0) {
		int e = errno;

		printf("error %s (%d)\n", strerror(e), e);
		tt_face_close(&f);
		return TT_EXIT_FAIL;
	}
	if (strcmp(req, "info") != 0)
		printf("ok\n");
	tt_face_close(&f);
	return TT_EXIT_OK;
usage:
	tt_face_close(&f);
	tt_help(cmd, stderr);
	return TT_EXIT_USAGE;
}

const struct tt_cmd tt_cmd_ioctl = {
	.name = "ioctl",
	.args = "ENDPOINT REQUEST [VALUE]",
	.nargs = 3,
	.brief = "issue one tun ioctl (mtu, ifhead, lmode, ifmode, ...)",
	.desc = "Open the unit, issue one ioctl, print \"ok\" (or the values "
	        "for\n"
	        "info) or \"error STRERROR (ERRNO)\", close.  Settings persist "
	        "after\n"
	        "the close, as on /dev/tunN.  REQUEST VALUE is one of:\n"
	        "  info                       print mtu, type, baudrate, "
	        "ifhead\n"
	        "  mtu N                      TUNSIFINFO with mtu N\n"
	        "  ifhead 0|1                 TUNSIFHEAD\n"
	        "  lmode 0|1                  TUNSLMODE\n"
	        "  debug N                    TUNSDEBUG\n"
	        "  ifmode pointopoint|broadcast[,multicast]|N   TUNSIFMODE\n"
	        "  pid                        TUNSIFPID\n"
	        "Exit status: 0 done, 1 the ioctl failed, 2 usage or open "
	        "error.",
	.opts = 0,
	.run = ioctl_run,
};
