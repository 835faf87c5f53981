/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ioctl table (bsdtun_ioctl.h), defined once: the library's objects
 * and the PMD, which takes this object from the library's static archive,
 * share it.
 */
#include "bsdtun_ioctl.h"

const struct bsdtun_ioctl_def bsdtun_ioctl_table[] = {
	BSDTUN_IOCTLS(BSDTUN_IOCTL_DEF) BSDTUN_TAP_IOCTLS(BSDTUN_TAP_IOCTL_DEF)
	        BSDTUN_LINUX_IOCTLS(BSDTUN_LINUX_IOCTL_DEF)
};

const size_t bsdtun_nb_ioctls =
        sizeof(bsdtun_ioctl_table) / sizeof(bsdtun_ioctl_table[0]);

const struct bsdtun_ioctl_def *
bsdtun_ioctl_find(unsigned long req, unsigned int face)
{
	size_t i;

	for (i = 0; i < bsdtun_nb_ioctls; i++) {
		const struct bsdtun_ioctl_def *d = &bsdtun_ioctl_table[i];

		if ((d->faces & face) &&
		    (d->req == req || (face == BSDTUN_FACE_LIB &&
		                       d->bsd_req != 0 && d->bsd_req == req)))
			return d;
	}
	return NULL;
}

const struct bsdtun_ioctl_def *
bsdtun_ioctl_find_wire(uint32_t wire)
{
	size_t i;

	for (i = 0; wire != 0 && i < bsdtun_nb_ioctls; i++)
		if (bsdtun_ioctl_table[i].wire == wire)
			return &bsdtun_ioctl_table[i];
	return NULL;
}
