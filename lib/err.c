/* SPDX-License-Identifier: MIT */
/* err.c: filling struct pts_err and mapping codes to HTTP statuses. */
#include "config.h"
#include "err.h"

#include <stdio.h>
#include <string.h>

int
pts_errf(struct pts_err *err, int code, const char *id, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	snprintf(err->id, sizeof err->id, "%s", id ? id : pts_code_id(code));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

int
pts_http_status(int code)
{
	switch (code) {
	case PTS_OK:		return 200;
	case PTS_EINVAL:	return 400;
	case PTS_ENOENT:	return 404;
	case PTS_EPERM:		return 403;
	case PTS_ENOSPC:	return 507;
	case PTS_ENOTSUP:	return 400;
	case PTS_E2BIG:		return 413;
	case PTS_EGONE:		return 404;
	case PTS_EEXIST:	return 409;
	case PTS_EMETHOD:	return 405;
	case PTS_EAUTH:		return 401;
	case PTS_EBUSY:		return 503;
	case PTS_EHOST:		return 421;
	case PTS_EMEDIA:	return 415;
	case PTS_EEXPIRED:	return 410;
	default:		return 500;
	}
}

const char *
pts_code_id(int code)
{
	switch (code) {
	case PTS_EINVAL:	return "bad_request";
	case PTS_ENOENT:	return "not_found";
	case PTS_EPERM:		return "forbidden";
	case PTS_ENOSPC:	return "out_of_memory";
	case PTS_ENOTSUP:	return "not_supported";
	case PTS_E2BIG:		return "too_large";
	case PTS_EGONE:		return "process_exited";
	case PTS_EEXIST:	return "conflict";
	case PTS_EMETHOD:	return "method_not_allowed";
	case PTS_EAUTH:		return "unauthorized";
	case PTS_EBUSY:		return "busy";
	case PTS_EHOST:		return "misdirected_request";
	case PTS_EMEDIA:	return "unsupported_media_type";
	case PTS_EEXPIRED:	return "expired";
	default:		return "internal_error";
	}
}
