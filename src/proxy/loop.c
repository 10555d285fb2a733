/* The epoll loop (see loop.h). File events live in an array indexed by fd,
 * as in Redis's ae; epoll is level-triggered and only touched when an fd's
 * mask really changes. Timers are records in a slab (reused through a free
 * list) ordered by a binary min-heap of slab indices on (deadline, seq);
 * every record knows its heap position, so a cancel removes it in
 * O(log n) and a timer id (generation << 32 | slot + 1) that outlived its
 * timer matches nothing. The wake-up is an eventfd written at most once
 * until the loop has seen it. */
#include "proxy/loop.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define LOOP_MAX_EVENTS 1024

struct fd_slot {
	int mask;
	ms_loop_fd_cb cb;
	void *data;
};

struct timer {
	uint64_t deadline; /* ms, monotonic */
	uint64_t seq;	   /* creation order, breaks deadline ties */
	ms_loop_timer_cb cb;
	void *data;
	uint32_t gen;	   /* bumped each time the slot is freed */
	uint32_t heap_pos; /* UINT32_MAX when free */
	uint32_t next_free;
};

struct ms_loop {
	int epfd;
	int wakefd;
	int max_fds;
	struct fd_slot *slots;
	struct epoll_event *events;
	int nevents;
	uint64_t now_ms;
	/* timers */
	struct timer *tm;
	uint32_t tm_alloc;
	uint32_t tm_free; /* head of the free list, UINT32_MAX when empty */
	uint32_t *heap;	  /* slab indices */
	uint32_t heap_len;
	uint64_t seq;
	/* wake-up and stop, set from other threads */
	atomic_bool wake_pending;
	atomic_bool stop;
	ms_loop_wake_cb wake_cb;
	void *wake_data;
};

#define NONE UINT32_MAX

uint64_t ms_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t ms_loop_now_ms(const struct ms_loop *loop)
{
	return loop->now_ms;
}

int ms_loop_create(int max_fds, struct ms_loop **out, struct ms_err *err)
{
	struct ms_loop *loop;
	struct epoll_event ev;

	*out = NULL;
	if (max_fds <= 0)
		return MS_ERR(err, MS_EINVAL, "loop: max_fds %d", max_fds);
	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return MS_ERR(err, MS_ENOMEM, "loop: out of memory");
	loop->epfd = -1;
	loop->wakefd = -1;
	loop->max_fds = max_fds;
	loop->tm_free = NONE;
	loop->nevents = max_fds < LOOP_MAX_EVENTS ? max_fds : LOOP_MAX_EVENTS;
	if (loop->nevents < 16)
		loop->nevents = 16;
	loop->slots = calloc((size_t)max_fds, sizeof(*loop->slots));
	loop->events = calloc((size_t)loop->nevents, sizeof(*loop->events));
	if (!loop->slots || !loop->events) {
		ms_loop_free(loop);
		return MS_ERR(err, MS_ENOMEM, "loop: out of memory");
	}
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		MS_ERR(err, MS_EIO, "loop: epoll_create1: %s", strerror(errno));
		ms_loop_free(loop);
		return MS_EIO;
	}
	loop->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->wakefd < 0) {
		MS_ERR(err, MS_EIO, "loop: eventfd: %s", strerror(errno));
		ms_loop_free(loop);
		return MS_EIO;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = loop->wakefd;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->wakefd, &ev) < 0) {
		MS_ERR(err, MS_EIO, "loop: epoll_ctl(eventfd): %s",
		       strerror(errno));
		ms_loop_free(loop);
		return MS_EIO;
	}
	atomic_init(&loop->wake_pending, false);
	atomic_init(&loop->stop, false);
	loop->now_ms = mono_ms();
	*out = loop;
	return 0;
}

void ms_loop_free(struct ms_loop *loop)
{
	if (!loop)
		return;
	if (loop->epfd >= 0)
		close(loop->epfd);
	if (loop->wakefd >= 0)
		close(loop->wakefd);
	free(loop->slots);
	free(loop->events);
	free(loop->tm);
	free(loop->heap);
	free(loop);
}

/* ---- file events ---- */

static uint32_t epoll_bits(int mask)
{
	uint32_t e = 0;

	if (mask & MS_EV_READ)
		e |= EPOLLIN;
	if (mask & MS_EV_WRITE)
		e |= EPOLLOUT;
	return e;
}

int ms_loop_set(struct ms_loop *loop, int fd, int mask, ms_loop_fd_cb cb,
		void *data)
{
	struct fd_slot *s;
	struct epoll_event ev;
	int op;

	if (fd < 0 || fd >= loop->max_fds)
		return MS_ETOOLARGE;
	mask &= MS_EV_READ | MS_EV_WRITE;
	if (!mask) {
		ms_loop_del(loop, fd);
		return 0;
	}
	s = &loop->slots[fd];
	s->cb = cb;
	s->data = data;
	if (s->mask == mask)
		return 0;
	op = s->mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	memset(&ev, 0, sizeof(ev));
	ev.events = epoll_bits(mask);
	ev.data.fd = fd;
	if (epoll_ctl(loop->epfd, op, fd, &ev) < 0) {
		/* an fd closed and reused without ms_loop_del, or added
		 * behind the loop's back: take the other operation */
		if (errno == ENOENT || errno == EEXIST)
			op =
			    op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
		else
			return MS_EIO;
		if (epoll_ctl(loop->epfd, op, fd, &ev) < 0)
			return MS_EIO;
	}
	s->mask = mask;
	return 0;
}

int ms_loop_mask(const struct ms_loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->max_fds)
		return 0;
	return loop->slots[fd].mask;
}

void ms_loop_del(struct ms_loop *loop, int fd)
{
	struct fd_slot *s;
	struct epoll_event ev;

	if (fd < 0 || fd >= loop->max_fds)
		return;
	s = &loop->slots[fd];
	if (s->mask) {
		memset(&ev, 0, sizeof(ev));
		(void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, &ev);
	}
	s->mask = 0;
	s->cb = NULL;
	s->data = NULL;
}

/* ---- timers ---- */

static bool tm_less(const struct ms_loop *loop, uint32_t a, uint32_t b)
{
	const struct timer *x = &loop->tm[a], *y = &loop->tm[b];

	if (x->deadline != y->deadline)
		return x->deadline < y->deadline;
	return x->seq < y->seq;
}

static void heap_place(struct ms_loop *loop, uint32_t pos, uint32_t idx)
{
	loop->heap[pos] = idx;
	loop->tm[idx].heap_pos = pos;
}

static void heap_up(struct ms_loop *loop, uint32_t pos)
{
	uint32_t idx = loop->heap[pos];

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (!tm_less(loop, idx, loop->heap[parent]))
			break;
		heap_place(loop, pos, loop->heap[parent]);
		pos = parent;
	}
	heap_place(loop, pos, idx);
}

static void heap_down(struct ms_loop *loop, uint32_t pos)
{
	uint32_t idx = loop->heap[pos];
	uint32_t n = loop->heap_len;

	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= n)
			break;
		if (c + 1 < n &&
		    tm_less(loop, loop->heap[c + 1], loop->heap[c]))
			c++;
		if (!tm_less(loop, loop->heap[c], idx))
			break;
		heap_place(loop, pos, loop->heap[c]);
		pos = c;
	}
	heap_place(loop, pos, idx);
}

/* Takes slab record <idx> out of the heap and frees it. */
static void timer_remove(struct ms_loop *loop, uint32_t idx)
{
	struct timer *t = &loop->tm[idx];
	uint32_t pos = t->heap_pos;
	uint32_t last = loop->heap[--loop->heap_len];

	if (pos != loop->heap_len) {
		heap_place(loop, pos, last);
		if (pos > 0 && tm_less(loop, last, loop->heap[(pos - 1) / 2]))
			heap_up(loop, pos);
		else
			heap_down(loop, pos);
	}
	t->heap_pos = NONE;
	t->cb = NULL;
	t->data = NULL;
	t->gen++;
	t->next_free = loop->tm_free;
	loop->tm_free = idx;
}

static int timer_grow(struct ms_loop *loop)
{
	uint32_t n = loop->tm_alloc ? loop->tm_alloc * 2 : 64;
	struct timer *tm;
	uint32_t *heap;

	if (loop->tm_alloc >= (UINT32_MAX - 1) / 2)
		return MS_ENOMEM;
	tm = realloc(loop->tm, (size_t)n * sizeof(*tm));
	if (!tm)
		return MS_ENOMEM;
	loop->tm = tm;
	heap = realloc(loop->heap, (size_t)n * sizeof(*heap));
	if (!heap)
		return MS_ENOMEM;
	loop->heap = heap;
	for (uint32_t i = n; i-- > loop->tm_alloc;) {
		tm[i].gen = 1;
		tm[i].heap_pos = NONE;
		tm[i].cb = NULL;
		tm[i].data = NULL;
		tm[i].next_free = loop->tm_free;
		loop->tm_free = i;
	}
	loop->tm_alloc = n;
	return 0;
}

uint64_t ms_loop_timer(struct ms_loop *loop, uint64_t ms, ms_loop_timer_cb cb,
		       void *data)
{
	struct timer *t;
	uint32_t idx;

	if (loop->tm_free == NONE && timer_grow(loop))
		return 0;
	idx = loop->tm_free;
	t = &loop->tm[idx];
	loop->tm_free = t->next_free;
	t->deadline = loop->now_ms + ms;
	if (t->deadline < ms) /* wrapped: never */
		t->deadline = UINT64_MAX;
	t->seq = loop->seq++;
	t->cb = cb;
	t->data = data;
	loop->heap[loop->heap_len] = idx;
	loop->tm[idx].heap_pos = loop->heap_len;
	heap_up(loop, loop->heap_len++);
	return ((uint64_t)t->gen << 32) | (uint64_t)(idx + 1);
}

void ms_loop_timer_cancel(struct ms_loop *loop, uint64_t id)
{
	uint32_t idx = (uint32_t)(id & 0xffffffffu);
	uint32_t gen = (uint32_t)(id >> 32);

	if (idx == 0 || idx > loop->tm_alloc)
		return;
	idx--;
	if (loop->tm[idx].gen != gen || loop->tm[idx].heap_pos == NONE)
		return;
	timer_remove(loop, idx);
}

/* Runs the timers due at loop->now_ms that existed before this pass (a
 * timer a callback adds for 0 ms waits for the next iteration, so a
 * self-rearming timer cannot starve file events). */
static void timers_run(struct ms_loop *loop)
{
	uint64_t seq_limit = loop->seq;

	while (loop->heap_len) {
		uint32_t idx = loop->heap[0];
		struct timer *t = &loop->tm[idx];
		uint64_t id = ((uint64_t)t->gen << 32) | (uint64_t)(idx + 1);
		ms_loop_timer_cb cb = t->cb;
		void *data = t->data;

		if (t->deadline > loop->now_ms || t->seq >= seq_limit)
			break;
		timer_remove(loop, idx);
		cb(loop, id, data);
	}
}

/* epoll_wait's timeout: until the first timer, -1 without one. */
static int wait_ms(const struct ms_loop *loop)
{
	uint64_t d;

	if (!loop->heap_len)
		return -1;
	d = loop->tm[loop->heap[0]].deadline;
	if (d <= loop->now_ms)
		return 0;
	d -= loop->now_ms;
	return d > 60000 ? 60000 : (int)d;
}

/* ---- wake-up ---- */

void ms_loop_on_wake(struct ms_loop *loop, ms_loop_wake_cb cb, void *data)
{
	loop->wake_cb = cb;
	loop->wake_data = data;
}

static void wake_write(struct ms_loop *loop)
{
	uint64_t one = 1;
	ssize_t n;

	do {
		n = write(loop->wakefd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
	/* EAGAIN: the counter is saturated, the loop wakes anyway. */
}

void ms_loop_wake(struct ms_loop *loop)
{
	if (!atomic_exchange(&loop->wake_pending, true))
		wake_write(loop);
}

void ms_loop_stop(struct ms_loop *loop)
{
	atomic_store(&loop->stop, true);
	wake_write(loop);
}

static void wake_handle(struct ms_loop *loop)
{
	uint64_t v;

	while (read(loop->wakefd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	/* Cleared before the callback: a wake during it writes again. */
	atomic_store(&loop->wake_pending, false);
	if (loop->wake_cb)
		loop->wake_cb(loop, loop->wake_data);
}

/* ---- running ---- */

static void fd_dispatch(struct ms_loop *loop, const struct epoll_event *ev)
{
	int fd = ev->data.fd;
	struct fd_slot *s;
	int fired = 0;

	if (fd == loop->wakefd) {
		wake_handle(loop);
		return;
	}
	if (fd < 0 || fd >= loop->max_fds)
		return;
	s = &loop->slots[fd];
	if (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP))
		fired |= MS_EV_READ;
	if (ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
		fired |= MS_EV_WRITE;
	/* An earlier callback of this batch may have changed or removed it. */
	fired &= s->mask;
	if (fired && s->cb)
		s->cb(loop, fd, fired, s->data);
}

int ms_loop_run(struct ms_loop *loop, struct ms_err *err)
{
	while (!atomic_load_explicit(&loop->stop, memory_order_relaxed)) {
		int n;

		loop->now_ms = mono_ms();
		n = epoll_wait(loop->epfd, loop->events, loop->nevents,
			       wait_ms(loop));
		if (n < 0 && errno != EINTR)
			return MS_ERR(err, MS_EIO, "loop: epoll_wait: %s",
				      strerror(errno));
		loop->now_ms = mono_ms();
		for (int i = 0; i < n; i++)
			fd_dispatch(loop, &loop->events[i]);
		timers_run(loop);
	}
	atomic_store(&loop->stop, false);
	return 0;
}
