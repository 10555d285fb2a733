/* Temporary link stubs for the engine while it is written (issue 7). */
#include "proxy/admin.h"
#include "proxy/proxy.h"

int ms_proxy_run(const struct ms_proxy_config *cfg, struct ms_err *err)
{
	(void)cfg;
	return MS_ERR(err, MS_EUNSUPPORTED, "proxy: not built yet");
}

void ms_proxy_request_stop(void)
{
}

json_t *ms_proxy_status_json(struct ms_proxy *p)
{
	(void)p;
	return json_object();
}

json_t *ms_proxy_sessions_json(struct ms_proxy *p)
{
	(void)p;
	return json_array();
}

json_t *ms_proxy_routes_json(struct ms_proxy *p)
{
	(void)p;
	return json_array();
}

int ms_proxy_route_set(struct ms_proxy *p, const char *route,
		       const char *backend, struct ms_err *err)
{
	(void)p, (void)route, (void)backend;
	return MS_ERR(err, MS_EUNSUPPORTED, "not built yet");
}

int ms_proxy_pause(struct ms_proxy *p, const char *route, struct ms_err *err)
{
	(void)p, (void)route;
	return MS_ERR(err, MS_EUNSUPPORTED, "not built yet");
}

int ms_proxy_resume(struct ms_proxy *p, const char *route, struct ms_err *err)
{
	(void)p, (void)route;
	return MS_ERR(err, MS_EUNSUPPORTED, "not built yet");
}

int ms_proxy_move_start(struct ms_proxy *p, const char *route,
			const char *backend, uint64_t *id, struct ms_err *err)
{
	(void)p, (void)route, (void)backend, (void)id;
	return MS_ERR(err, MS_EUNSUPPORTED, "not built yet");
}

json_t *ms_proxy_move_json(struct ms_proxy *p, uint64_t id, struct ms_err *err)
{
	(void)p, (void)id;
	MS_ERR(err, MS_ENOTFOUND, "not built yet");
	return NULL;
}

int ms_proxy_metrics_text(struct ms_proxy *p, struct ms_buf *out)
{
	(void)p, (void)out;
	return 0;
}
