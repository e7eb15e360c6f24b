#include "source/ffmpeg.h"

#include "core/log.h"

#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 0))) static void ffmpeg_log(void *avcl, int level, const char *fmt,
                                                             va_list vl)
{
    if (level > AV_LOG_INFO || !vg_log_enabled(VG_LOG_DEBUG))
        return;
    char line[1024];
    vsnprintf(line, sizeof(line), fmt, vl);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (n)
        VG_LOG_DEBUG("ffmpeg", "%s", line); /* redacted by vg_log like every line */
}

static void init_once(void)
{
    av_log_set_callback(ffmpeg_log);
    avformat_network_init();
}

void vg_ffmpeg_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
}
