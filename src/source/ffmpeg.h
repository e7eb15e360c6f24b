/*
 * ffmpeg.h: process-wide FFmpeg set-up, done once by whichever source
 * starts first: FFmpeg's log goes through vg_log (which redacts URLs), at
 * debug level, and networking is initialised.
 */
#ifndef VG_SOURCE_FFMPEG_H
#define VG_SOURCE_FFMPEG_H

/* Thread-safe; cheap after the first call. */
void vg_ffmpeg_init(void);

#endif
