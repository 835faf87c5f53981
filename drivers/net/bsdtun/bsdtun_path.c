/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Paths from devargs (sock=, cdev=, pcapng=): the DPDK process, often root,
 * creates, changes the mode of, replaces and mounts over files there, so a
 * path is used only when no untrusted user can change where it leads.
 *
 * The rule: every directory from / to the file's own directory is owned by
 * root or by this process's effective user and is writable by nobody else
 * (an ancestor may be a sticky directory such as /tmp, whose entries only
 * their owners can replace; the file's own directory may not).  A symbolic
 * link on the way is followed only when it lies in such a directory (then
 * only root or this user could have put it there); the file itself must
 * not be a symbolic link.  With that, the path can be used by name: nobody
 * else can swap a component between the check and the use.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bsdtun_internal.h"

#define PATH_LINK_HOPS 16

/* The reason a path is refused, for the log line. */
static void __rte_format_printf(3, 4)
        set_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* Why st (a directory on the way) cannot be trusted, or NULL. */
static const char *
untrusted_dir(const struct stat *st, int own_dir, char *why, size_t len)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		set_why(why, len, "owned by uid %u, not by root or uid %u",
		        (unsigned int)st->st_uid, (unsigned int)geteuid());
		return why;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
	    (own_dir || !(st->st_mode & S_ISVTX))) {
		set_why(why, len, "writable by %s (mode %04o)",
		        (st->st_mode & S_IWOTH) ? "others" : "its group",
		        (unsigned int)(st->st_mode & 07777));
		return why;
	}
	return NULL;
}

/*
 * Walk dir (absolute) component by component from /, following only links
 * that lie in trusted directories, checking each directory.  mkdir_last:
 * create the last directory (mode 0755) when it is missing.
 */
static int
walk_dirs(const char *dir, int mkdir_last, char *why, size_t len)
{
	char todo[2 * PATH_MAX], next[2 * PATH_MAX], comp[NAME_MAX + 1];
	char link[PATH_MAX], reason[128];
	int dfd, nfd, hops = 0, ret = 0;
	const char *p;
	struct stat st;

	if (strlen(dir) >= PATH_MAX) {
		set_why(why, len, "too long");
		return -ENAMETOOLONG;
	}
	strcpy(todo, dir);
	dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) < 0) {
		set_why(why, len, "/: %s", strerror(errno));
		ret = -errno;
		goto out;
	}
	p = todo;
	for (;;) {
		size_t n;
		int last;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, "/");
		if (n > NAME_MAX) {
			set_why(why, len, "a component is too long");
			ret = -ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		last = p[strspn(p, "/")] == '\0';
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			set_why(why, len, "contains \"..\"");
			ret = -EINVAL;
			goto out;
		}
		if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT && last && mkdir_last &&
			    mkdirat(dfd, comp, 0755) == 0 &&
			    fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0)
				goto is_dir;
			ret = -errno;
			set_why(why, len, "%s: %s", comp, strerror(errno));
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			/* in a trusted directory: follow it, rest after it */
			ssize_t l =
			        readlinkat(dfd, comp, link, sizeof(link) - 1);

			if (++hops > PATH_LINK_HOPS || l <= 0 ||
			    (size_t)l + 1 + strlen(p) >= sizeof(todo)) {
				set_why(why, len, "too many or too long links");
				ret = -ELOOP;
				goto out;
			}
			link[l] = '\0';
			set_why(next, sizeof(next), "%s/%s", link, p);
			strcpy(todo, next);
			p = todo;
			if (link[0] == '/') {
				close(dfd);
				dfd = open("/",
				           O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (dfd < 0) {
					ret = -errno;
					goto out;
				}
			}
			continue;
		}
	is_dir:
		if (!S_ISDIR(st.st_mode)) {
			set_why(why, len, "%s is not a directory", comp);
			ret = -ENOTDIR;
			goto out;
		}
		nfd = openat(dfd, comp,
		             O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 || fstat(nfd, &st) < 0) {
			ret = -errno;
			set_why(why, len, "%s: %s", comp, strerror(errno));
			if (nfd >= 0)
				close(nfd);
			goto out;
		}
		close(dfd);
		dfd = nfd;
		/* the file's own directory is the last one of the walk */
		if (untrusted_dir(&st, last, reason, sizeof(reason)) != NULL) {
			set_why(why, len, "directory %s is %s", comp, reason);
			ret = -EPERM;
			goto out;
		}
	}
out:
	if (dfd >= 0)
		close(dfd);
	return ret;
}

int
bsdtun_path_check(const struct bsdtun_unit *u, const char *key,
                  const char *path, int mkdir_dir)
{
	char dir[PATH_MAX], why[PATH_MAX + 128];
	const char *slash = strrchr(path, '/');
	struct stat st;
	int ret;

	if (path[0] != '/' || slash == NULL || slash[1] == '\0' ||
	    strlen(path) >= sizeof(dir)) {
		BSDTUN_LOG(ERR, u, "%s=%s: not an absolute path to a file", key,
		           path);
		return -EINVAL;
	}
	memcpy(dir, path, slash - path);
	dir[slash - path] = '\0';
	if (dir[0] == '\0')
		strcpy(dir, "/");
	ret = walk_dirs(dir, mkdir_dir, why, sizeof(why));
	if (ret < 0) {
		BSDTUN_LOG(ERR, u, "%s=%s refused: %s", key, path, why);
		return ret;
	}
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		BSDTUN_LOG(ERR, u,
		           "%s=%s refused: it is a symbolic link (give the "
		           "path it should lead to)",
		           key, path);
		return -ELOOP;
	}
	return 0;
}
