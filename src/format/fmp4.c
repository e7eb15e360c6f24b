/*
 * fmp4.c: the fragmented-MP4 writer. Section numbers are ISO/IEC 14496-12
 * (ISO base media file format, 2015) unless another part is named.
 *
 * Init segment:
 *
 *   ftyp                               4.3     brands (see write_ftyp)
 *   moov                               8.2.1
 *     mvhd                             8.2.2   timescale 1000, duration 0, next_track_ID
 *     trak, one per track              8.3.1
 *       tkhd                           8.3.2   enabled | in_movie; size (video), volume (audio)
 *       mdia                           8.4.1
 *         mdhd                         8.4.2   the track's timescale, language "und"
 *         hdlr                         8.4.3   'vide' or 'soun'
 *         minf                         8.4.4
 *           vmhd or smhd               12.1.2, 12.2.2
 *           dinf / dref / url          8.7.1, 8.7.2: the samples are in this file
 *           stbl                       8.5.1
 *             stsd                     8.5.2   one sample entry:
 *               avc1 / avcC            14496-15 5.4.2
 *               hvc1 / hvcC            14496-15 8.4.1
 *               mp4a / esds            14496-14 5.6
 *               Opus / dOps            Opus in ISOBMFF 4.3.1, 4.3.2
 *             stts stsc stsz stco      empty: every sample is in a fragment (8.8.1)
 *     mvex                             8.8.1
 *       trex, one per track            8.8.3
 *
 * Fragment:
 *
 *   moof                               8.8.4
 *     mfhd                             8.8.5   sequence_number
 *     traf, one per run                8.8.6
 *       tfhd                           8.8.7   track_ID; default-base-is-moof
 *       tfdt                           8.8.12  baseMediaDecodeTime, 64 bits (version 1)
 *       trun                           8.8.8   version 1; per sample: duration, size,
 *                                              flags, composition offset (signed)
 *   mdat                               8.1.1   the runs' samples, run after run
 *
 * Every trun's data_offset counts from the first byte of the moof
 * (default-base-is-moof, 8.8.7.1), so a fragment does not depend on where it
 * lands in a file or a stream: the same bytes serve an LL-HLS part and a
 * recording.
 */
#include "format/fmp4.h"

#include "core/error.h"
#include "format/mp4_box.h"

#include <string.h>

/*
 * Far larger than any real avcC, hvcC or AudioSpecificConfig; keeps every
 * box well below 4 GiB and an esds descriptor within the 28 bits of its
 * size field.
 */
#define MAX_CONFIG_SIZE (1u << 20)

/* tfhd flags (8.8.7.1). */
#define TFHD_DEFAULT_BASE_IS_MOOF 0x020000u

/* trun flags (8.8.8.1): a data offset, and every per-sample field. */
#define TRUN_DATA_OFFSET_PRESENT 0x000001u
#define TRUN_SAMPLE_DURATION     0x000100u
#define TRUN_SAMPLE_SIZE         0x000200u
#define TRUN_SAMPLE_FLAGS        0x000400u
#define TRUN_SAMPLE_CTS_OFFSET   0x000800u

/*
 * sample_flags (8.8.3.1): reserved(4) is_leading(2) sample_depends_on(2)
 * sample_is_depended_on(2) sample_has_redundancy(2) sample_padding_value(3)
 * sample_is_non_sync_sample(1) sample_degradation_priority(16).
 */
#define SAMPLE_FLAGS_SYNC     0x02000000u /* depends_on 2: an I picture, or any audio frame */
#define SAMPLE_FLAGS_NON_SYNC 0x01010000u /* depends_on 1, is_non_sync_sample 1 */

/* Fixed sizes of the fragment's boxes, to place the data offsets before writing. */
#define MFHD_SIZE         16u                 /* full box header, sequence_number */
#define TRAF_FIXED_SIZE   (8u + 16 + 20 + 20) /* traf header, tfhd, tfdt, trun before its samples */
#define TRUN_SAMPLE_BYTES 16u                 /* duration, size, flags, composition offset */

/*
 * What a 'dOps' box says (Opus in ISOBMFF 4.3.2): the fields of the Ogg
 * identification header (RFC 7845 5.1), big-endian instead of little.
 */
typedef struct opus_params {
    uint8_t channels;
    uint16_t pre_skip;
    uint32_t input_rate;
    uint16_t gain; /* OutputGain: signed Q7.8 dB */
    uint8_t family;
    const uint8_t *mapping; /* StreamCount, CoupledCount, ChannelMapping[channels]; or NULL */
    size_t mapping_len;
} opus_params;

/*
 * The Opus parameters of `track`. When its configuration is an "OpusHead"
 * (what libavformat gives as extradata) they come from there; otherwise
 * from the track, with no pre-skip, no gain and mapping family 0, which
 * can describe mono and stereo only.
 */
static opus_params opus_params_of(const vg_track *track)
{
    opus_params o = {
        .channels = track->channels > 0 && track->channels <= 255 ? (uint8_t)track->channels : 2,
        .input_rate = track->sample_rate > 0 ? (uint32_t)track->sample_rate : 48000,
    };
    const uint8_t *c = track->config;
    size_t len = track->config_size;
    if (!c || len < 19 || memcmp(c, "OpusHead", 8) != 0 || c[9] == 0)
        return o;
    if (c[18] != 0 && len < 19 + 2 + (size_t)c[9])
        return o; /* a mapping family without its table: not a header to trust */
    o.channels = c[9];
    o.pre_skip = (uint16_t)(c[10] | c[11] << 8);
    o.input_rate =
        (uint32_t)c[12] | (uint32_t)c[13] << 8 | (uint32_t)c[14] << 16 | (uint32_t)c[15] << 24;
    o.gain = (uint16_t)(c[16] | c[17] << 8);
    o.family = c[18];
    if (o.family != 0) {
        o.mapping = c + 19;
        o.mapping_len = 2 + (size_t)o.channels;
    }
    return o;
}

bool vg_fmp4_supports(const vg_track *track)
{
    if (!track || vg_fmp4_timescale(track) == 0)
        return false;
    bool has_config =
        track->config && track->config_size > 0 && track->config_size <= MAX_CONFIG_SIZE;
    switch (track->codec) {
    case VG_CODEC_H264:
    case VG_CODEC_H265:
        /* The VisualSampleEntry stores width and height in 16 bits (12.1.3.2). */
        return has_config && track->width > 0 && track->width <= 65535 && track->height > 0 &&
               track->height <= 65535;
    case VG_CODEC_AAC:
        return has_config; /* the AudioSpecificConfig: a decoder cannot start without it */
    case VG_CODEC_OPUS: {
        /* dOps needs no configuration, but more than two channels need a mapping table. */
        opus_params o = opus_params_of(track);
        return track->config_size <= MAX_CONFIG_SIZE && (o.channels <= 2 || o.family != 0);
    }
    default:
        return false; /* G.711 in MP4 has no sample entry players agree on */
    }
}

uint32_t vg_fmp4_timescale(const vg_track *track)
{
    if (track->clock_rate > 0)
        return (uint32_t)track->clock_rate;
    if (track->is_video)
        return 90000;
    return track->sample_rate > 0 ? (uint32_t)track->sample_rate : 0;
}

/* ---- init segment ----------------------------------------------------------------------- */

/*
 * 4.3 ftyp. Major and compatible brand 'iso6', which FFmpeg's movenc writes
 * for the same features: version-1 truns (signed composition offsets) and
 * default-base-is-moof (an 'iso5' feature, Annex E; 'iso6' includes it).
 * 'mp41' adds the MP4 file format (14496-14), whose esds the AAC sample
 * entry uses. minor_version is informative only (4.3.3): 0.
 */
static void write_ftyp(vg_mp4_writer *w)
{
    size_t box = vg_mp4_box_begin(w, "ftyp");
    vg_mp4_put_fourcc(w, "iso6"); /* major_brand */
    vg_mp4_put_u32(w, 0);         /* minor_version */
    vg_mp4_put_fourcc(w, "iso6"); /* compatible_brands */
    vg_mp4_put_fourcc(w, "mp41");
    vg_mp4_box_end(w, box);
}

/* The unity transformation matrix of mvhd and tkhd (8.2.2.3): 16.16, 16.16, 2.30 columns. */
static void put_unity_matrix(vg_mp4_writer *w)
{
    static const uint32_t matrix[9] = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};
    for (size_t i = 0; i < 9; i++)
        vg_mp4_put_u32(w, matrix[i]);
}

/* 8.2.2 mvhd, version 0: no duration, as every sample is in a fragment. */
static void write_mvhd(vg_mp4_writer *w, uint32_t next_track_id)
{
    size_t box = vg_mp4_full_box_begin(w, "mvhd", 0, 0);
    vg_mp4_put_u32(w, 0);          /* creation_time */
    vg_mp4_put_u32(w, 0);          /* modification_time */
    vg_mp4_put_u32(w, 1000);       /* timescale: only for durations, and there are none */
    vg_mp4_put_u32(w, 0);          /* duration: unknown (8.8.1: the fragments carry it) */
    vg_mp4_put_u32(w, 0x00010000); /* rate 1.0 */
    vg_mp4_put_u16(w, 0x0100);     /* volume 1.0 */
    vg_mp4_put_zeros(w, 2 + 8);    /* reserved */
    put_unity_matrix(w);
    vg_mp4_put_zeros(w, 24); /* pre_defined */
    vg_mp4_put_u32(w, next_track_id);
    vg_mp4_box_end(w, box);
}

/* 8.3.2 tkhd, version 0, flags track_enabled | track_in_movie. */
static void write_tkhd(vg_mp4_writer *w, const vg_track *track, uint32_t track_id)
{
    size_t box = vg_mp4_full_box_begin(w, "tkhd", 0, 0x000001 | 0x000002);
    vg_mp4_put_u32(w, 0); /* creation_time */
    vg_mp4_put_u32(w, 0); /* modification_time */
    vg_mp4_put_u32(w, track_id);
    vg_mp4_put_u32(w, 0); /* reserved */
    vg_mp4_put_u32(w, 0); /* duration */
    vg_mp4_put_zeros(w, 8);
    vg_mp4_put_u16(w, 0);                            /* layer */
    vg_mp4_put_u16(w, 0);                            /* alternate_group */
    vg_mp4_put_u16(w, track->is_video ? 0 : 0x0100); /* volume: 1.0 for audio (8.3.2.3) */
    vg_mp4_put_u16(w, 0);                            /* reserved */
    put_unity_matrix(w);
    /* width, height: 16.16 fixed point; 0 for audio. */
    vg_mp4_put_u32(w, track->is_video ? (uint32_t)track->width << 16 : 0);
    vg_mp4_put_u32(w, track->is_video ? (uint32_t)track->height << 16 : 0);
    vg_mp4_box_end(w, box);
}

/* 8.4.2 mdhd, version 0. */
static void write_mdhd(vg_mp4_writer *w, uint32_t timescale)
{
    size_t box = vg_mp4_full_box_begin(w, "mdhd", 0, 0);
    vg_mp4_put_u32(w, 0); /* creation_time */
    vg_mp4_put_u32(w, 0); /* modification_time */
    vg_mp4_put_u32(w, timescale);
    vg_mp4_put_u32(w, 0); /* duration */
    /* pad(1) and ISO-639-2/T "und" as three 5-bit letters, each minus 0x60 (8.4.2.3). */
    vg_mp4_put_u16(w, (uint16_t)(('u' - 0x60) << 10 | ('n' - 0x60) << 5 | ('d' - 0x60)));
    vg_mp4_put_u16(w, 0); /* pre_defined */
    vg_mp4_box_end(w, box);
}

/* The fields every sample entry starts with (8.5.2.2 SampleEntry). */
static void put_sample_entry_fields(vg_mp4_writer *w)
{
    vg_mp4_put_zeros(w, 6); /* reserved */
    vg_mp4_put_u16(w, 1);   /* data_reference_index: the 'url ' entry of dref */
}

/* A box holding `track`'s configuration as it is (avcC, hvcC). */
static void write_config_box(vg_mp4_writer *w, const char type[4], const vg_track *track)
{
    size_t box = vg_mp4_box_begin(w, type);
    vg_mp4_put_bytes(w, track->config, track->config_size);
    vg_mp4_box_end(w, box);
}

/*
 * 12.1.3 VisualSampleEntry 'avc1' (14496-15 5.4.2) or 'hvc1' (8.4.1)
 * around the track's avcC or hvcC, which codec/ builds with the parameter
 * sets a decoder starts with (for hvcC with array_completeness 1, as 'hvc1'
 * requires). vigil's key frames also repeat them in-band (ingest_video.c);
 * 'avc1' and 'hvc1' are what Apple's players take, 'avc3' and 'hev1' are not.
 */
static void write_visual_entry(vg_mp4_writer *w, const vg_track *track)
{
    bool hevc = track->codec == VG_CODEC_H265;
    size_t box = vg_mp4_box_begin(w, hevc ? "hvc1" : "avc1");
    put_sample_entry_fields(w);
    vg_mp4_put_u16(w, 0);    /* pre_defined */
    vg_mp4_put_u16(w, 0);    /* reserved */
    vg_mp4_put_zeros(w, 12); /* pre_defined */
    vg_mp4_put_u16(w, (uint16_t)track->width);
    vg_mp4_put_u16(w, (uint16_t)track->height);
    vg_mp4_put_u32(w, 0x00480000); /* horizresolution: 72 dpi */
    vg_mp4_put_u32(w, 0x00480000); /* vertresolution */
    vg_mp4_put_u32(w, 0);          /* reserved */
    vg_mp4_put_u16(w, 1);          /* frame_count: one frame per sample */
    vg_mp4_put_zeros(w, 32);       /* compressorname: empty (a length byte of 0, padding) */
    vg_mp4_put_u16(w, 0x0018);     /* depth: colour, no alpha */
    vg_mp4_put_u16(w, 0xffff);     /* pre_defined: -1 */
    write_config_box(w, hevc ? "hvcC" : "avcC", track);
    vg_mp4_box_end(w, box);
}

/* 12.2.3 AudioSampleEntry (version 0): the fields before the codec's box. */
static void put_audio_entry_fields(vg_mp4_writer *w, uint16_t channels, uint32_t samplerate)
{
    put_sample_entry_fields(w);
    vg_mp4_put_zeros(w, 8); /* reserved */
    vg_mp4_put_u16(w, channels);
    vg_mp4_put_u16(w, 16); /* samplesize */
    vg_mp4_put_u16(w, 0);  /* pre_defined */
    vg_mp4_put_u16(w, 0);  /* reserved */
    vg_mp4_put_u32(w, samplerate);
}

static uint16_t channel_count(const vg_track *track)
{
    return track->channels > 0 && track->channels <= 255 ? (uint16_t)track->channels : 2;
}

/*
 * A descriptor's tag and size (14496-1 8.3.3, expandable class). The size
 * is always written in the 4-byte form (0x80 0x80 0x80 n for small sizes),
 * as FFmpeg's movenc does, so every length is known before the bytes
 * counted by it are written; MAX_CONFIG_SIZE keeps it within 28 bits.
 */
static void put_descriptor_header(vg_mp4_writer *w, uint8_t tag, uint32_t size)
{
    vg_mp4_put_u8(w, tag);
    vg_mp4_put_u8(w, (uint8_t)(0x80 | ((size >> 21) & 0x7f)));
    vg_mp4_put_u8(w, (uint8_t)(0x80 | ((size >> 14) & 0x7f)));
    vg_mp4_put_u8(w, (uint8_t)(0x80 | ((size >> 7) & 0x7f)));
    vg_mp4_put_u8(w, (uint8_t)(size & 0x7f));
}

#define DESCRIPTOR_HEADER_SIZE 5u

/*
 * 'mp4a' with 'esds' (14496-14 5.6): an ES_Descriptor (14496-1 7.2.6.5)
 * holding a DecoderConfigDescriptor (7.2.6.6) for MPEG-4 audio, whose
 * DecoderSpecificInfo (7.2.6.7) is the AudioSpecificConfig (14496-3
 * 1.6.2.1), and an SLConfigDescriptor (7.3.2.3) with predefined 2, the
 * value 14496-14 requires in a file.
 */
static void write_mp4a_entry(vg_mp4_writer *w, const vg_track *track)
{
    uint32_t asc = (uint32_t)track->config_size;
    uint32_t decoder_specific = DESCRIPTOR_HEADER_SIZE + asc;
    uint32_t decoder_config = 13 + decoder_specific;
    uint32_t sl_config = DESCRIPTOR_HEADER_SIZE + 1;
    uint32_t es = 3 + DESCRIPTOR_HEADER_SIZE + decoder_config + sl_config;
    /* The 16.16 samplerate cannot hold 96 kHz: 0 then; the ASC carries the real rate. */
    uint32_t rate = track->sample_rate > 0 && track->sample_rate <= 65535
                        ? (uint32_t)track->sample_rate << 16
                        : 0;

    size_t entry = vg_mp4_box_begin(w, "mp4a");
    put_audio_entry_fields(w, channel_count(track), rate);
    size_t esds = vg_mp4_full_box_begin(w, "esds", 0, 0);
    put_descriptor_header(w, 0x03, es); /* ES_DescrTag */
    vg_mp4_put_u16(w, 0);               /* ES_ID: 0 in a file, the track_ID names the stream */
    vg_mp4_put_u8(w, 0);                /* no dependence, URL or OCR stream; priority 0 */
    put_descriptor_header(w, 0x04, decoder_config); /* DecoderConfigDescrTag */
    vg_mp4_put_u8(w, 0x40);              /* objectTypeIndication: Audio ISO/IEC 14496-3 */
    vg_mp4_put_u8(w, 0x05 << 2 | 1);     /* streamType audio, upStream 0, reserved 1 */
    vg_mp4_put_u24(w, 0);                /* bufferSizeDB: unknown */
    vg_mp4_put_u32(w, 0);                /* maxBitrate: unknown */
    vg_mp4_put_u32(w, 0);                /* avgBitrate: variable or unknown */
    put_descriptor_header(w, 0x05, asc); /* DecSpecificInfoTag */
    vg_mp4_put_bytes(w, track->config, track->config_size);
    put_descriptor_header(w, 0x06, 1); /* SLConfigDescrTag */
    vg_mp4_put_u8(w, 2);               /* predefined: reserved for use in MP4 files */
    vg_mp4_box_end(w, esds);
    vg_mp4_box_end(w, entry);
}

/* 'Opus' with 'dOps' (Opus in ISOBMFF 4.3.1, 4.3.2). */
static void write_opus_entry(vg_mp4_writer *w, const vg_track *track)
{
    opus_params o = opus_params_of(track);
    size_t entry = vg_mp4_box_begin(w, "Opus");
    /* 4.3.1: channelcount is OutputChannelCount; samplerate is always 48000. */
    put_audio_entry_fields(w, o.channels, 48000u << 16);
    size_t dops = vg_mp4_box_begin(w, "dOps");
    vg_mp4_put_u8(w, 0); /* Version */
    vg_mp4_put_u8(w, o.channels);
    vg_mp4_put_u16(w, o.pre_skip);
    vg_mp4_put_u32(w, o.input_rate);
    vg_mp4_put_u16(w, o.gain);
    vg_mp4_put_u8(w, o.family);
    vg_mp4_put_bytes(w, o.mapping, o.mapping_len);
    vg_mp4_box_end(w, dops);
    vg_mp4_box_end(w, entry);
}

/* 8.5.1 stbl: the sample description, and empty tables (the samples come in fragments). */
static void write_stbl(vg_mp4_writer *w, const vg_track *track)
{
    size_t stbl = vg_mp4_box_begin(w, "stbl");
    size_t stsd = vg_mp4_full_box_begin(w, "stsd", 0, 0);
    vg_mp4_put_u32(w, 1); /* entry_count */
    if (track->is_video)
        write_visual_entry(w, track);
    else if (track->codec == VG_CODEC_AAC)
        write_mp4a_entry(w, track);
    else
        write_opus_entry(w, track);
    vg_mp4_box_end(w, stsd);

    size_t box = vg_mp4_full_box_begin(w, "stts", 0, 0); /* 8.6.1.2 */
    vg_mp4_put_u32(w, 0);                                /* entry_count */
    vg_mp4_box_end(w, box);
    box = vg_mp4_full_box_begin(w, "stsc", 0, 0); /* 8.7.4 */
    vg_mp4_put_u32(w, 0);                         /* entry_count */
    vg_mp4_box_end(w, box);
    box = vg_mp4_full_box_begin(w, "stsz", 0, 0); /* 8.7.3 */
    vg_mp4_put_u32(w, 0);                         /* sample_size: sizes in the table */
    vg_mp4_put_u32(w, 0);                         /* sample_count */
    vg_mp4_box_end(w, box);
    box = vg_mp4_full_box_begin(w, "stco", 0, 0); /* 8.7.5 */
    vg_mp4_put_u32(w, 0);                         /* entry_count */
    vg_mp4_box_end(w, box);
    vg_mp4_box_end(w, stbl);
}

static void write_trak(vg_mp4_writer *w, const vg_track *track, uint32_t track_id)
{
    size_t trak = vg_mp4_box_begin(w, "trak");
    write_tkhd(w, track, track_id);
    size_t mdia = vg_mp4_box_begin(w, "mdia");
    write_mdhd(w, vg_fmp4_timescale(track));
    vg_mp4_write_hdlr(w, track->is_video);
    size_t minf = vg_mp4_box_begin(w, "minf");
    vg_mp4_write_media_header(w, track->is_video);
    vg_mp4_write_dinf(w);
    write_stbl(w, track);
    vg_mp4_box_end(w, minf);
    vg_mp4_box_end(w, mdia);
    vg_mp4_box_end(w, trak);
}

/*
 * 8.8.3 trex: defaults for the fragments. Each trun gives every field of
 * every sample, so only the sample description index (the one entry of
 * stsd) matters.
 */
static void write_trex(vg_mp4_writer *w, uint32_t track_id)
{
    size_t box = vg_mp4_full_box_begin(w, "trex", 0, 0);
    vg_mp4_put_u32(w, track_id);
    vg_mp4_put_u32(w, 1); /* default_sample_description_index */
    vg_mp4_put_u32(w, 0); /* default_sample_duration */
    vg_mp4_put_u32(w, 0); /* default_sample_size */
    vg_mp4_put_u32(w, 0); /* default_sample_flags */
    vg_mp4_box_end(w, box);
}

int vg_fmp4_write_init(vg_track *const *tracks, size_t count, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!tracks || count == 0 || count > VG_FMP4_MAX_TRACKS)
        return VG_EINVAL;
    for (size_t i = 0; i < count; i++) {
        if (!vg_fmp4_supports(tracks[i]))
            return VG_EINVAL;
    }

    vg_mp4_writer w;
    vg_mp4_writer_init(&w);
    write_ftyp(&w);
    size_t moov = vg_mp4_box_begin(&w, "moov");
    write_mvhd(&w, (uint32_t)count + 1);
    for (size_t i = 0; i < count; i++)
        write_trak(&w, tracks[i], (uint32_t)i + 1);
    size_t mvex = vg_mp4_box_begin(&w, "mvex");
    for (size_t i = 0; i < count; i++)
        write_trex(&w, (uint32_t)i + 1);
    vg_mp4_box_end(&w, mvex);
    vg_mp4_box_end(&w, moov);
    return vg_mp4_writer_finish(&w, out, out_len);
}

/* ---- fragment --------------------------------------------------------------------------- */

/* 8.8.8 trun for `run`, whose first sample sits `data_offset` bytes after the moof's start. */
static void write_trun(vg_mp4_writer *w, const vg_fmp4_run *run, uint32_t data_offset)
{
    const uint32_t flags = TRUN_DATA_OFFSET_PRESENT | TRUN_SAMPLE_DURATION | TRUN_SAMPLE_SIZE |
                           TRUN_SAMPLE_FLAGS | TRUN_SAMPLE_CTS_OFFSET;
    /* Version 1: sample_composition_time_offset is signed, like vg_fmp4_sample.cts_offset. */
    size_t box = vg_mp4_full_box_begin(w, "trun", 1, flags);
    vg_mp4_put_u32(w, (uint32_t)run->count);
    vg_mp4_put_u32(w, data_offset); /* signed 32 bits; checked to be below 2^31 */
    for (size_t i = 0; i < run->count; i++) {
        const vg_fmp4_sample *s = &run->samples[i];
        vg_mp4_put_u32(w, s->duration);
        vg_mp4_put_u32(w, (uint32_t)s->size);
        vg_mp4_put_u32(w, s->key ? SAMPLE_FLAGS_SYNC : SAMPLE_FLAGS_NON_SYNC);
        vg_mp4_put_u32(w, (uint32_t)s->cts_offset); /* two's complement */
    }
    vg_mp4_box_end(w, box);
}

static void write_traf(vg_mp4_writer *w, const vg_fmp4_run *run, uint32_t data_offset)
{
    size_t traf = vg_mp4_box_begin(w, "traf");
    size_t box = vg_mp4_full_box_begin(w, "tfhd", 0, TFHD_DEFAULT_BASE_IS_MOOF);
    vg_mp4_put_u32(w, run->track_id);
    vg_mp4_box_end(w, box);
    box = vg_mp4_full_box_begin(w, "tfdt", 1, 0);
    vg_mp4_put_u64(w, run->base_dts); /* baseMediaDecodeTime */
    vg_mp4_box_end(w, box);
    write_trun(w, run, data_offset);
    vg_mp4_box_end(w, traf);
}

int vg_fmp4_write_fragment(uint32_t sequence, const vg_fmp4_run *runs, size_t count, uint8_t **out,
                           size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!runs || count == 0 || count > VG_FMP4_MAX_TRACKS)
        return VG_EINVAL;

    /*
     * Sizes first, so that each trun can point at its run's first byte in
     * the mdat that follows (default-base-is-moof: from the moof's start)
     * and the whole fragment is allocated once. trun's data_offset is a
     * signed 32-bit field: a run that would start 2 GiB or more after the
     * moof cannot be addressed.
     */
    uint64_t moof_size = 8 + MFHD_SIZE, payload = 0;
    uint64_t run_bytes[VG_FMP4_MAX_TRACKS];
    for (size_t r = 0; r < count; r++) {
        const vg_fmp4_run *run = &runs[r];
        if (run->count == 0 || !run->samples || run->track_id == 0 ||
            run->count > INT32_MAX / TRUN_SAMPLE_BYTES)
            return VG_EINVAL;
        moof_size += TRAF_FIXED_SIZE + (uint64_t)run->count * TRUN_SAMPLE_BYTES;
        run_bytes[r] = 0;
        for (size_t i = 0; i < run->count; i++) {
            if (run->samples[i].size > UINT32_MAX)
                return VG_EINVAL; /* trun's sample_size is 32 bits */
            run_bytes[r] += run->samples[i].size;
        }
        payload += run_bytes[r];
    }
    /* 8.1.1 / 4.2: an mdat of 4 GiB or more needs size 1 and a 64-bit largesize. */
    uint64_t mdat_header = 8 + payload > UINT32_MAX ? 16 : 8;
    uint64_t total = moof_size + mdat_header + payload;
    uint64_t last_offset = total - run_bytes[count - 1];
    if (last_offset > INT32_MAX || total > SIZE_MAX)
        return VG_EINVAL;

    vg_mp4_writer w;
    vg_mp4_writer_init(&w);
    vg_mp4_writer_reserve(&w, (size_t)total);
    size_t moof = vg_mp4_box_begin(&w, "moof");
    size_t mfhd = vg_mp4_full_box_begin(&w, "mfhd", 0, 0);
    vg_mp4_put_u32(&w, sequence);
    vg_mp4_box_end(&w, mfhd);
    uint64_t data_offset = moof_size + mdat_header;
    for (size_t r = 0; r < count; r++) {
        write_traf(&w, &runs[r], (uint32_t)data_offset);
        data_offset += run_bytes[r];
    }
    vg_mp4_box_end(&w, moof);

    if (mdat_header == 16) {
        vg_mp4_put_u32(&w, 1); /* size 1: the largesize follows the type */
        vg_mp4_put_fourcc(&w, "mdat");
        vg_mp4_put_u64(&w, mdat_header + payload);
    } else {
        vg_mp4_put_u32(&w, (uint32_t)(mdat_header + payload));
        vg_mp4_put_fourcc(&w, "mdat");
    }
    /* The samples are already in their MP4 form (AVCC, raw audio frames): copied once, as is. */
    for (size_t r = 0; r < count; r++) {
        for (size_t i = 0; i < runs[r].count; i++)
            vg_mp4_put_bytes(&w, runs[r].samples[i].data, runs[r].samples[i].size);
    }
    return vg_mp4_writer_finish(&w, out, out_len);
}
