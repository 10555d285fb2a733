/* Socket helpers for the proxy (see conn.h): listen, connect, accept, all
 * non-blocking and close-on-exec, TCP_NODELAY on streams (the MySQL
 * protocol is request/response: Nagle would add 40 ms waits). */
#define _GNU_SOURCE /* accept4 */
#include "proxy/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Splits "<host>:<port>", "[v6]:<port>" or ":<port>" into <host> (empty
 * for all addresses) and <port>. */
static int split_addr(const char *addr, char *host, size_t host_size,
		      unsigned *port)
{
	const char *colon, *h = addr, *hend;
	unsigned long v;
	char *end;

	if (!addr || !*addr)
		return -1;
	if (*addr == '[') {
		hend = strchr(addr, ']');
		if (!hend || hend[1] != ':')
			return -1;
		h = addr + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || memchr(addr, ':', (size_t)(colon - addr)))
			return -1; /* none, or a bare IPv6 address */
		hend = colon;
	}
	if ((size_t)(hend - h) >= host_size)
		return -1;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	if (colon[1] < '0' || colon[1] > '9')
		return -1;
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

static void set_nodelay(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Binds and listens on <ai>; the socket, or -1 with errno. */
static int listen_one(const struct addrinfo *ai, int backlog, bool dual)
{
	int fd, one = 1, zero = 0, saved;

	fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
				 dual ? &zero : &one, sizeof(int));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
	    listen(fd, backlog) == 0)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int ms_net_listen(const char *addr, int backlog, int *fd, struct ms_err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256], portstr[8];
	unsigned port;
	int gai, s = -1, saved = 0;

	*fd = -1;
	if (split_addr(addr, host, sizeof(host), &port))
		return MS_ERR(err, MS_ECONFIG,
			      "listen address '%s': expected HOST:PORT, "
			      "[IPV6]:PORT or :PORT",
			      addr ? addr : "");
	snprintf(portstr, sizeof(portstr), "%u", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (!*host) {
		/* All addresses: one dual-stack IPv6 socket, else IPv4. */
		hints.ai_family = AF_INET6;
		gai = getaddrinfo(NULL, portstr, &hints, &res);
		if (!gai && res) {
			s = listen_one(res, backlog, true);
			saved = errno;
		}
		freeaddrinfo(res);
		res = NULL;
		if (s >= 0) {
			*fd = s;
			return 0;
		}
		hints.ai_family = AF_INET;
	} else {
		hints.ai_family = AF_UNSPEC;
	}
	gai = getaddrinfo(*host ? host : NULL, portstr, &hints, &res);
	if (gai)
		return MS_ERR(err, MS_EIO, "listen on %s: %s", addr,
			      gai_strerror(gai));
	for (ai = res; ai && s < 0; ai = ai->ai_next) {
		s = listen_one(ai, backlog, false);
		if (s < 0)
			saved = errno;
	}
	freeaddrinfo(res);
	if (s < 0)
		return MS_ERR(err, MS_EIO, "listen on %s: %s", addr,
			      strerror(saved ? saved : EADDRNOTAVAIL));
	*fd = s;
	return 0;
}

int ms_net_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

int ms_net_connect(const char *host, unsigned port, int *fd, struct ms_err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char name[256], portstr[8];
	size_t hl;
	int gai, s = -1, saved = 0;

	*fd = -1;
	if (!host || !*host || port > 65535)
		return MS_ERR(err, MS_EINVAL, "connect: bad address '%s:%u'",
			      host ? host : "", port);
	hl = strlen(host);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']' &&
	    hl - 2 < sizeof(name)) {
		memcpy(name, host + 1, hl - 2);
		name[hl - 2] = '\0';
	} else {
		snprintf(name, sizeof(name), "%s", host);
	}
	snprintf(portstr, sizeof(portstr), "%u", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(name, portstr, &hints, &res);
	if (gai)
		return MS_ERR(err, MS_ECONNECT, "connect to %s:%u: %s", host,
			      port, gai_strerror(gai));
	for (ai = res; ai; ai = ai->ai_next) {
		s = socket(ai->ai_family,
			   ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   ai->ai_protocol);
		if (s < 0) {
			saved = errno;
			continue;
		}
		set_nodelay(s);
		if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			break;
		saved = errno;
		close(s);
		s = -1;
	}
	freeaddrinfo(res);
	if (s < 0)
		return MS_ERR(err, MS_ECONNECT, "connect to %s:%u: %s", host,
			      port, strerror(saved ? saved : EADDRNOTAVAIL));
	*fd = s;
	return 0;
}

int ms_net_connect_result(int fd, struct ms_err *err)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e)
		return MS_ERR(err, MS_ECONNECT, "connect: %s", strerror(e));
	return 0;
}

/* "1.2.3.4:5678" or "[::1]:5678" (IPv4-mapped addresses as IPv4). */
static void format_peer(const struct sockaddr_storage *ss, char *out,
			size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (!size)
		return;
	out[0] = '\0';
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(out, size, "%s:%u", ip, ntohs(a->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
			inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], ip,
				  sizeof(ip));
			snprintf(out, size, "%s:%u", ip, ntohs(a->sin6_port));
		} else {
			inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
			snprintf(out, size, "[%s]:%u", ip, ntohs(a->sin6_port));
		}
	} else {
		snprintf(out, size, "local");
	}
}

int ms_net_accept(int lfd, int *fd, char *peer, size_t peer_size,
		  struct ms_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int s;

	*fd = -1;
	for (;;) {
		len = sizeof(ss);
		s = accept4(lfd, (struct sockaddr *)&ss, &len,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s >= 0)
			break;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return MS_ERR(err, MS_EIO, "accept: %s", strerror(errno));
	}
	set_nodelay(s);
	if (peer)
		format_peer(&ss, peer, peer_size);
	*fd = s;
	return 1;
}
