"""The ladder a source gets, the ffmpeg command that makes it in one decode, and caption parsing."""

import pytest

from media_pipeline import transcoding


def sizes(width, height):
    return [(r.width, r.height) for r in transcoding.plan_ladder(width, height)]


def test_full_hd_source_gets_the_whole_ladder_from_the_authoring_table():
    assert sizes(1920, 1080) == [(1920, 1080), (1280, 720), (960, 540), (768, 432), (640, 360), (416, 234)]


def test_4k_source_stops_at_1080p_and_odd_sizes_keep_their_aspect_ratio():
    assert sizes(3840, 2160)[0] == (1920, 1080)
    assert sizes(1920, 1088)[0] == (1906, 1080)  # never wider than the source, never squashed
    assert sizes(1280, 720)[0] == (1280, 720)


def test_portrait_and_tiny_sources():
    assert sizes(1080, 1920)[:2] == [(1080, 1920), (720, 1280)]
    assert sizes(160, 120) == [(160, 120)]  # below the lowest rung: one rung at its own size


def test_high_frame_rates_are_halved_for_the_ladder():
    assert transcoding.output_frame_rate(59.94) == pytest.approx(29.97)
    assert transcoding.output_frame_rate(25) == 25


def test_ladder_command_decodes_the_source_once_and_splits_it(tmp_path):
    info = transcoding.SourceInfo(
        duration=10, width=1280, height=720, frame_rate=30, video_codec="h264", audio_codec="aac", has_audio=True
    )
    rungs = transcoding.plan_ladder(1280, 720)

    args = transcoding.ladder_command("in.mp4", tmp_path, info, rungs, preset="veryfast")

    assert args.count("-i") == 1
    graph = args[args.index("-filter_complex") + 1]
    assert "split=5" in graph and graph.count("scale=") == 5
    assert args.count("-sc_threshold") == 5 and args.count("-hls_playlist_type") == 6  # + the audio-only rung
    assert transcoding.keyframe_expression() in args and "independent_segments" in args
    assert args[args.index("-progress") + 1] == "pipe:1"


def test_srt_becomes_webvtt_and_garbage_is_refused():
    vtt = transcoding.captions_to_webvtt(
        b"1\n0:00:01,000 --> 0:00:02,500\n\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\n", "a.srt"
    )
    assert vtt.startswith("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nПривет")
    with pytest.raises(transcoding.VideoRejected, match="UTF-8"):
        transcoding.captions_to_webvtt("Привет".encode("cp1251"), "a.srt")
    with pytest.raises(transcoding.VideoRejected, match="нет ни одной реплики"):
        transcoding.captions_to_webvtt(b"WEBVTT\n\nnothing here\n", "a.vtt")
