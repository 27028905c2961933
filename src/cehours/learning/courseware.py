"""Courseware files: what an uploaded video really is (PyAV, FFmpeg's maintained binding), and
videos made on the spot for the demo and the tests.

A file is accepted only as what every phone browser plays (iOS Safari, WeChat's browser): an MP4
with H.264 video and, if it has sound, AAC. Its duration is measured from the packets themselves,
not read from the header a sender wrote, since R12b's hours are computed from it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw

from cehours.errors import ErrorCode, FieldError

_MP4_DEMUXER = "mp4"  # FFmpeg's mov demuxer names itself "mov,mp4,m4a,3gp,3g2,mj2"
MAX_SECONDS = 4 * 3600  # longer than any lecture: a duration beyond it is a broken or hostile file


@dataclass(frozen=True)
class Probe:
    duration_seconds: int
    size: int
    sha256: str


def _refuse(message: str) -> FieldError:
    return FieldError("file", message, ErrorCode.INVALID)


def probe(path: Path) -> Probe:
    """The real duration of a playable H.264/AAC MP4 at `path`; FieldError("file") for anything else."""
    try:
        container = av.open(str(path), mode="r")
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        raise _refuse("无法识别该文件，请上传 H.264 视频编码的 MP4 文件") from None
    try:
        if _MP4_DEMUXER not in container.format.name.split(","):
            raise _refuse("课件须为 MP4 格式的视频文件")
        videos = list(container.streams.video)
        if not videos:
            raise _refuse("该文件不含视频画面")
        if any(s.codec_context.name != "h264" for s in videos):
            raise _refuse("视频须为 H.264 编码，手机浏览器才能播放；请转码后再上传")
        if any(s.codec_context.name != "aac" for s in container.streams.audio):
            raise _refuse("音频须为 AAC 编码，手机浏览器才能播放；请转码后再上传")
        video = videos[0]
        end = Fraction(0)
        decoded = False
        for packet in container.demux(video):
            if packet.pts is None or packet.time_base is None:
                continue
            if not decoded and packet.size:
                decoded = bool(packet.decode())  # the first picture must decode: not just a header
            end = max(end, (packet.pts + (packet.duration or 0)) * packet.time_base)
            if end > MAX_SECONDS:
                raise _refuse("视频时长超过 4 小时，请拆分为多个课件")
        seconds = int(end)
        if seconds < 1 or not decoded:
            raise _refuse("视频无法解码或时长不足 1 秒")
    except av.FFmpegError:
        raise _refuse("视频文件已损坏，无法读取") from None
    finally:
        container.close()
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return Probe(duration_seconds=seconds, size=path.stat().st_size, sha256=digest.hexdigest())


def make_video(path: Path, *, seconds: int, fps: int = 2, size: tuple[int, int] = (320, 180), hue: int = 0) -> None:
    """Write an H.264 MP4 of `seconds` with a clock and a progress bar drawn on each frame."""
    width, height = size
    background = ((40 + hue * 70) % 256, (90 + hue * 40) % 256, 140)
    # faststart: the index at the front, so a phone starts playing before the whole file arrives.
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "faststart"}) as output:
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "stillimage"}
        for index in range(seconds * fps):
            image = Image.new("RGB", size, background)
            draw = ImageDraw.Draw(image)
            elapsed = index // fps
            draw.text((12, 12), f"{elapsed // 60:02d}:{elapsed % 60:02d}", fill=(255, 255, 255))
            draw.rectangle(
                (12, height - 24, 12 + (width - 24) * index // (seconds * fps), height - 12), fill=(255, 200, 0)
            )
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
