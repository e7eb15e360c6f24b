/*
 * main.c: the vigil command line, a thin layer over the library.
 *
 *   vigil serve [--config FILE] [--listen ADDR:PORT] [--data DIR] [--log-level LEVEL]
 *   vigil check-config FILE
 *   vigil version
 */
#include "api/api.h"
#include "hls/hls.h"
#include "webrtc/webrtc.h"
#include "record/record.h"
#include "still/still.h"
#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "http/server.h"
#include "http/static_files.h"
#include "service/service.h"
#include "store/maintenance.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#define EXIT_USAGE 2

static const char usage_main[] =
    "usage: vigil <command> [options]\n"
    "\n"
    "A video management server: cameras in, live video and recordings out.\n"
    "\n"
    "commands:\n"
    "  serve          run the server\n"
    "  check-config   check a configuration file and exit\n"
    "  version        print the version\n"
    "\n"
    "`vigil <command> --help` describes a command. Docs: docs/config.md, docs/api.md.\n";

static const char usage_serve[] =
    "usage: vigil serve [--config FILE] [--listen ADDR:PORT] [--data DIR] [--log-level LEVEL]\n"
    "                   [--demo] [--debug-endpoints]\n"
    "\n"
    "Runs the server until SIGINT or SIGTERM, then stops gracefully.\n"
    "\n"
    "  -c, --config FILE       YAML configuration (docs/config.md); default: embedded defaults\n"
    "  -l, --listen ADDR:PORT  HTTP address, e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080\n"
    "  -d, --data DIR          data directory (database, recordings); default ./data\n"
    "      --log-level LEVEL   error, warn, info or debug\n"
    "      --demo              on a first start (a new database), add a demo camera that\n"
    "                          shows a test pattern, and start its stream\n"
    "      --debug-endpoints   serve /api/debug/... (test readers of a path; for tests)\n"
    "  -h, --help              this help\n"
    "\n"
    "Settings apply in this order, each overriding the one before: embedded defaults,\n"
    "the file, VIGIL_<KEY> environment variables, these flags.\n";

static const char usage_check[] =
    "usage: vigil check-config FILE\n"
    "\n"
    "Reads FILE as vigil would and reports the first problem as FILE:LINE:COLUMN: message.\n"
    "Exits 0 when the file is valid, 1 when it is not.\n";

static const char usage_version[] = "usage: vigil version\n\nPrints vigil's version.\n";

/* Returns 1 when argv holds -h/--help only, 0 when it is empty, -1 otherwise. */
static int only_help(int argc, char **argv)
{
    if (argc == 1)
        return 0;
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
        return 1;
    return -1;
}

static int cmd_version(int argc, char **argv)
{
    int h = only_help(argc, argv);
    if (h != 0) {
        fputs(usage_version, h > 0 ? stdout : stderr);
        return h > 0 ? 0 : EXIT_USAGE;
    }
    printf("vigil %s\n", VIGIL_VERSION);
    return 0;
}

static int cmd_check_config(int argc, char **argv)
{
    if (only_help(argc, argv) == 1) {
        fputs(usage_check, stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fputs(usage_check, stderr);
        return EXIT_USAGE;
    }
    vg_config cfg;
    char err[1024];
    vg_config_defaults(&cfg);
    if (vg_config_load_file(&cfg, argv[1], err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("%s: ok\n", argv[1]);
    return 0;
}

/* ---- serve ---- */

typedef struct server_state {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    vg_http_server *http;
    vg_media *media;
    vg_hls *hls;
    vg_webrtc *webrtc; /* NULL with webrtc: no */
    vg_still *still;
    vg_record *record;
    vg_store *store;
    uv_timer_t deadline; /* shutdownTimeout: exit even if a source thread is stuck */
    bool deadline_armed;
    vg_store_maintenance *maintenance;
    const vg_config *cfg;
    int signals_seen;
} server_state;

static void on_signal_closed(uv_handle_t *h)
{
    (void)h;
}

/* Last step of a shutdown: every source thread has ended or is ending. */
static void on_media_stopped(void *ctx)
{
    server_state *s = ctx;
    /*
     * Source threads may still be ending (their handles keep the loop alive):
     * the deadline stays armed for them, but no longer keeps the loop alive
     * itself. It is closed once uv_run returns.
     */
    if (s->deadline_armed)
        uv_unref((uv_handle_t *)&s->deadline);
    vg_store_maintenance_stop(s->maintenance);
    s->maintenance = NULL;
    uv_close((uv_handle_t *)&s->sigint, on_signal_closed);
    uv_close((uv_handle_t *)&s->sigterm, on_signal_closed);
}

/* Requests are done: stop pulling cameras (readers end with their paths). */
static void on_http_stopped(void *ctx)
{
    server_state *s = ctx;
    vg_hls_stop(s->hls);
    vg_webrtc_stop(s->webrtc);
    vg_still_stop(s->still);
    /* Recorders finish their files (their writes keep the loop alive until done). */
    vg_record_stop(s->record, NULL, NULL);
    vg_media_shutdown(s->media, on_media_stopped, s);
}

/*
 * shutdownTimeout passed and the loop still waits: a source thread is stuck
 * where no stop flag reaches it (getaddrinfo on a silent DNS server). The
 * store is closed properly (only this thread uses it), then vigil exits
 * without waiting for that thread.
 */
static void on_shutdown_deadline(uv_timer_t *t)
{
    server_state *s = t->data;
    VG_LOG_WARN("main",
                "shutdown still waiting after %lldms (a camera connection is blocked, "
                "e.g. resolving its host): exiting now",
                (long long)s->cfg->shutdown_timeout_ms);
    vg_store_close(s->store);
    _exit(0);
}

static void on_signal(uv_signal_t *h, int signum)
{
    server_state *s = h->data;
    if (++s->signals_seen > 1) {
        VG_LOG_WARN("main", "second signal %s: exiting at once", strsignal(signum));
        exit(1);
    }
    VG_LOG_INFO("main", "received %s: shutting down (at most %lldms)", strsignal(signum),
                (long long)s->cfg->shutdown_timeout_ms);
    uv_timer_init(h->loop, &s->deadline);
    s->deadline.data = s;
    s->deadline_armed = true;
    /* The HTTP drain has the whole timeout; the margin lets a drain that just made it finish. */
    uv_timer_start(&s->deadline, on_shutdown_deadline, (uint64_t)s->cfg->shutdown_timeout_ms + 500,
                   0);
    vg_http_server_shutdown(s->http, s->cfg->shutdown_timeout_ms, on_http_stopped, s);
}

/*
 * `make run` on a new machine: one camera that needs no camera, so that a
 * newcomer sees moving video at once. Only on a first start, so a user who
 * deletes it does not get it back.
 */
static void add_demo_camera(vg_services *svc)
{
    vg_camera_fields in = {
        .has_name = true, .has_stream_url = true, .name = "Demo camera", .stream_url = "demo:"};
    vg_camera cam;
    vg_stream st;
    vg_error err;
    if (vg_camera_service_create(svc, &in, &cam, &err) < 0) {
        VG_LOG_WARN("main", "cannot add the demo camera: %s", err.message);
        return;
    }
    if (vg_stream_service_start(svc, cam.id, NULL, 0, &st, &err) < 0)
        VG_LOG_WARN("main", "cannot start the demo camera: %s", err.message);
    else
        VG_LOG_INFO("main", "first start: added the demo camera camera=%lld path=cam_%lld",
                    (long long)cam.id, (long long)cam.id);
    vg_stream_clear(&st);
    vg_camera_clear(&cam);
}

/* mkdir -p for the data directory; returns 0 or -errno. */
static int make_dirs(const char *path)
{
    char buf[VG_CONFIG_STR_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
        return -errno;
    struct stat st;
    if (stat(buf, &st) < 0)
        return -errno;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int parse_serve_flags(int argc, char **argv, vg_config *cfg, bool *demo, bool *debug)
{
    enum { OPT_LOG_LEVEL = 1000, OPT_DEMO, OPT_DEBUG_ENDPOINTS };
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 'l'},
        {"data", required_argument, NULL, 'd'},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"demo", no_argument, NULL, OPT_DEMO},
        {"debug-endpoints", no_argument, NULL, OPT_DEBUG_ENDPOINTS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_file = NULL, *listen = NULL, *data = NULL, *level = NULL;
    char err[1024];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:l:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_file = optarg;
            break;
        case 'l':
            listen = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case OPT_LOG_LEVEL:
            level = optarg;
            break;
        case OPT_DEMO:
            *demo = true;
            break;
        case OPT_DEBUG_ENDPOINTS:
            *debug = true;
            break;
        case 'h':
            fputs(usage_serve, stdout);
            exit(0);
        default:
            fputs(usage_serve, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vigil serve: unexpected argument '%s'\n\n%s", argv[optind], usage_serve);
        return EXIT_USAGE;
    }

    vg_config_defaults(cfg);
    if (config_file && vg_config_load_file(cfg, config_file, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (vg_config_apply_env(cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    /* Flags go through the same checks as the file and the environment. */
    const struct {
        const char *flag, *key, *value;
    } flags[] = {{"--listen", "listen", listen},
                 {"--data", "dataDir", data},
                 {"--log-level", "logLevel", level}};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (flags[i].value && vg_config_set(cfg, flags[i].key, flags[i].value, err, sizeof(err))) {
            fprintf(stderr, "vigil serve: %s: %s\n", flags[i].flag, err);
            return EXIT_USAGE;
        }
    }
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    vg_config cfg;
    bool demo = false, debug_endpoints = false;
    int rc = parse_serve_flags(argc, argv, &cfg, &demo, &debug_endpoints);
    if (rc != 0)
        return rc;
    vg_log_set_level(cfg.log_level);

    int exit_code = 1;
    vg_store *store = NULL;
    vg_router *router = NULL;
    vg_static_files *console = NULL;
    server_state s = {.cfg = &cfg};
    bool loop_ready = false;
    char db_path[VG_CONFIG_STR_MAX + 16], err[512];

    VG_LOG_INFO("main", "vigil %s starting listen=%s data=%s", VIGIL_VERSION, cfg.listen,
                cfg.data_dir);
    if ((rc = make_dirs(cfg.data_dir)) < 0) {
        VG_LOG_ERROR("main", "cannot create the data directory %s: %s", cfg.data_dir,
                     strerror(-rc));
        goto done;
    }
    /*
     * One vigil per data directory: a second one would record the same cameras
     * into the same folders and its recovery would cut files still being written.
     */
    char lock_path[sizeof(db_path)];
    snprintf(lock_path, sizeof(lock_path), "%s/vigil.lock", cfg.data_dir);
    int lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
        VG_LOG_ERROR("main", "the data directory %s is in use by another vigil (%s)", cfg.data_dir,
                     lock_fd < 0 ? strerror(errno) : "locked");
        goto done;
    }
    snprintf(db_path, sizeof(db_path), "%s/vigil.db", cfg.data_dir);
    if (vg_store_open(db_path, &store) < 0) {
        VG_LOG_ERROR("main", "cannot open the database %s", db_path);
        goto done;
    }
    s.store = store;

    if (uv_loop_init(&s.loop) < 0)
        goto done;
    loop_ready = true;
    vg_services services = {
        .store = store, .now_ms = vg_now_ms, .default_on_demand = cfg.source_on_demand};
    vg_media_options mopt = {.connect_timeout_ms = cfg.connect_timeout_ms,
                             .read_timeout_ms = cfg.read_timeout_ms,
                             .max_readers = (int)cfg.max_readers,
                             .on_demand_start_timeout_ms = cfg.source_on_demand_start_timeout_ms,
                             .on_demand_close_after_ms = cfg.source_on_demand_close_after_ms};
    if (!(s.media =
              vg_media_create(&s.loop, &mopt, vg_stream_service_on_media_status, &services))) {
        VG_LOG_ERROR("main", "cannot start the media core: out of memory");
        goto done;
    }
    services.media = s.media;
    vg_error verr;
    if (vg_stream_service_resume_all(&services, &verr) < 0) {
        VG_LOG_ERROR("main", "cannot resume streams: %s", verr.message);
        goto done;
    }
    if (demo && vg_store_created(store))
        add_demo_camera(&services);

    vg_api api = {.services = &services,
                  .loop = &s.loop,
                  .debug_endpoints = debug_endpoints,
                  .started_mono_ms = uv_hrtime() / 1000000u};
    vg_hls_options hls_opt = {.segment_duration_ms = cfg.hls_segment_duration_ms,
                              .part_duration_ms = cfg.hls_part_duration_ms,
                              .segment_count = cfg.hls_segment_count,
                              .muxer_close_after_ms = cfg.hls_muxer_close_after_ms,
                              .always_remux = cfg.hls_always_remux,
                              .allow_origins = cfg.hls_allow_origins,
                              .start_timeout_ms = cfg.source_on_demand_start_timeout_ms};
    if (!(s.hls = vg_hls_create(&s.loop, s.media, &hls_opt))) {
        VG_LOG_ERROR("main", "cannot start HLS: out of memory");
        goto done;
    }
    if (cfg.webrtc) {
        char cert_path[VG_CONFIG_STR_MAX + 32], key_path[VG_CONFIG_STR_MAX + 32];
        snprintf(cert_path, sizeof(cert_path), "%s/webrtc-cert.pem", cfg.data_dir);
        snprintf(key_path, sizeof(key_path), "%s/webrtc-key.pem", cfg.data_dir);
        vg_webrtc_options rtc_opt = {.udp_address = cfg.webrtc_local_udp_address,
                                     .additional_hosts = cfg.webrtc_additional_hosts,
                                     .ips_from_interfaces = cfg.webrtc_ips_from_interfaces,
                                     .allow_origins = cfg.webrtc_allow_origins,
                                     .handshake_timeout_ms = cfg.webrtc_handshake_timeout_ms,
                                     .start_timeout_ms = cfg.source_on_demand_start_timeout_ms,
                                     .cert_path = cert_path,
                                     .key_path = key_path};
        if (!(s.webrtc = vg_webrtc_create(&s.loop, s.media, &rtc_opt, err, sizeof(err)))) {
            VG_LOG_ERROR("main", "cannot start WebRTC: %s", err);
            goto done;
        }
    }
    vg_still_options still_opt = {.start_timeout_ms = cfg.source_on_demand_start_timeout_ms};
    if (!(s.still = vg_still_create(&s.loop, s.media, &still_opt))) {
        VG_LOG_ERROR("main", "cannot start snapshots: out of memory");
        goto done;
    }
    api.still = s.still;
    char record_dir[2 * VG_CONFIG_STR_MAX + 2];
    if (cfg.record_path[0] == '/')
        snprintf(record_dir, sizeof(record_dir), "%s", cfg.record_path);
    else
        snprintf(record_dir, sizeof(record_dir), "%s/%s", cfg.data_dir, cfg.record_path);
    vg_record_options record_opt = {.dir = record_dir,
                                    .segment_duration_ms = cfg.record_segment_duration_ms,
                                    .part_duration_ms = cfg.record_part_duration_ms,
                                    .delete_after_ms = cfg.record_delete_after_ms,
                                    .plans = cfg.record_plans,
                                    .max_bytes_per_camera = cfg.record_max_bytes_per_camera,
                                    .min_free_bytes = cfg.record_min_free_space,
                                    .cleanup_interval_ms = cfg.record_cleanup_interval_ms,
                                    .clock_offset_ms = cfg.test_clock_offset_ms,
                                    .expiry_notice_ms = cfg.record_expiry_notice_ms,
                                    .webhook_url = cfg.record_webhook_url,
                                    .webhook_secret = cfg.record_webhook_secret};
    if (!(s.record = vg_record_create(&s.loop, s.media, store, &record_opt, err, sizeof(err)))) {
        VG_LOG_ERROR("main", "cannot start recording: %s", err);
        goto done;
    }
    api.record = s.record;
    api.ws_allow_origins = cfg.ws_allow_origins;
    api.media_allow_origins = cfg.hls_allow_origins;
    api.record_plans = cfg.record_plans;
    /* Read whole now, while blocking is allowed; served from memory once the loop runs. */
    vg_static_files_options console_opt = {.dir = cfg.console_dir};
    if (cfg.console && !(console = vg_static_files_load(&console_opt))) {
        VG_LOG_ERROR("main", "cannot load the web console: out of memory");
        goto done;
    }
    router = vg_router_create();
    if (!router || vg_api_register(router, &api) < 0 || vg_hls_register(router, s.hls) < 0 ||
        (s.webrtc && vg_webrtc_register(router, s.webrtc) < 0) ||
        (console && vg_static_files_register(router, console) < 0)) {
        VG_LOG_ERROR("main", "cannot build the routes: out of memory");
        goto done;
    }
    /* Every 10 s: a checkpoint every few hundred changes at most keeps the WAL small. */
    if (vg_store_maintenance_start(&s.loop, store, 10000, &s.maintenance) < 0) {
        VG_LOG_ERROR("main", "cannot start store maintenance: out of memory");
        goto done;
    }
    vg_http_server_options hopt = {.listen = cfg.listen,
                                   .idle_timeout_ms = cfg.http_idle_timeout_ms,
                                   .max_body_size = cfg.http_max_body_size};
    if (vg_http_server_create(&s.loop, &hopt, router, &s.http, err, sizeof(err)) < 0) {
        VG_LOG_ERROR("main", "%s", err);
        goto done;
    }
    /* From here nothing fails: every handle closes through the shutdown. */
    signal(SIGPIPE, SIG_IGN);
    uv_signal_init(&s.loop, &s.sigint);
    uv_signal_init(&s.loop, &s.sigterm);
    s.sigint.data = s.sigterm.data = &s;
    /* uv_signal_start fails only for an invalid signal number. */
    (void)uv_signal_start(&s.sigint, on_signal, SIGINT);
    (void)uv_signal_start(&s.sigterm, on_signal, SIGTERM);

    VG_LOG_INFO("http", "listening addr=%s", vg_http_server_address(s.http));
    uv_run(&s.loop, UV_RUN_DEFAULT);
    if (s.deadline_armed) {
        uv_close((uv_handle_t *)&s.deadline, on_signal_closed);
        uv_run(&s.loop, UV_RUN_DEFAULT);
    }
    VG_LOG_INFO("main", "stopped");
    exit_code = 0;

done:
    if (loop_ready) {
        /* A start-up failure after streams or the maintenance started: let them close. */
        vg_hls_stop(s.hls);
        vg_webrtc_stop(s.webrtc);
        vg_still_stop(s.still);
        if (s.record)
            vg_record_stop(s.record, NULL, NULL);
        if (s.media)
            vg_media_shutdown(s.media, NULL, NULL);
        vg_store_maintenance_stop(s.maintenance);
        uv_run(&s.loop, UV_RUN_DEFAULT);
        if (uv_loop_close(&s.loop) < 0)
            VG_LOG_WARN("main", "the loop still had open handles at exit");
    }
    vg_hls_destroy(s.hls);
    vg_webrtc_destroy(s.webrtc);
    vg_still_destroy(s.still);
    vg_record_destroy(s.record);
    vg_media_destroy(s.media);
    vg_http_server_destroy(s.http);
    vg_router_destroy(router);
    vg_static_files_destroy(console); /* after the server: responses pointed at its bytes */
    vg_store_close(store);
    return exit_code;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "serve"))
        return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(cmd, "check-config"))
        return cmd_check_config(argc - 1, argv + 1);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version"))
        return cmd_version(argc - 1, argv + 1);
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage_main, stdout);
        return 0;
    }
    fprintf(stderr, "vigil: unknown command '%s'\n\n%s", cmd, usage_main);
    return EXIT_USAGE;
}
