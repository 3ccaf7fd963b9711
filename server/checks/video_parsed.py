"""One video's bytes parsed once and shared by the video checks: its boxes and metadata, its
SEI messages, and a few frames decoded at chosen times. To the checks that look at one
picture (reuse, listing_match) a video shows its middle frame as `stored`."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, partial
from itertools import chain

from PIL import Image

from ..domain.cases import Photo
from ..domain.limits import Limits
from ..formats import frames, isobmff, movie, nal
from ..imaging import alignment
from .parsed import PhotoData, PixelsUnavailable

# Frames decoded per video: three in the first two seconds (GB 45438 §5.4 wants a video's
# explicit label shown at least there), the rest spread over the whole clip.
FIRST_SECONDS = (0.0, 1.0, 1.9)
SPREAD = 6
# Coded samples read for SEI messages: generators write theirs in the first frames.
SEI_SAMPLES, SEI_BYTES = 120, 8 * 1024 * 1024


def sample_times(duration: float) -> list[float]:
    """When frames are looked at: the first two seconds, then evenly over the clip."""
    early = [t for t in FIRST_SECONDS if t < duration] or [0.0]
    spread = [duration * (i + 0.5) / SPREAD for i in range(SPREAD)]
    return sorted({round(t, 3) for t in early + spread if t < duration} | {0.0})


class VideoData(PhotoData):
    def __init__(self, data: bytes, photo: Photo, limits: Limits) -> None:
        super().__init__(data, photo, limits)

    @cached_property
    def layout(self) -> isobmff.Layout:
        return isobmff.read(self.data)

    @cached_property
    def movie(self) -> movie.MovieInfo:
        return movie.info(self.data, self.layout)

    @cached_property
    def frames(self) -> list[frames.Frame]:
        """The sampled frames, in time order (PixelsUnavailable when none decodes)."""
        if self.photo.pixels_error:
            raise PixelsUnavailable(self.photo.pixels_error)
        try:
            found = frames.at_times(self.data, sample_times(self.photo.duration))
        except MemoryError:
            raise
        except Exception as e:
            raise PixelsUnavailable(f"{type(e).__name__}: {e}"[:300]) from e
        if not found:
            raise PixelsUnavailable("no frame decodes")
        return found

    @cached_property
    def stored(self) -> Image.Image:
        """The frame nearest the middle of the clip: the one picture checks compare."""
        middle = self.photo.duration / 2
        return min(self.frames, key=lambda f: abs(f.time - middle)).image

    def pictures(self) -> list[tuple[str, Callable[[], alignment.Features]]]:
        """The middle frame, then each keyframe hashed at intake (decoded only when a hash
        comes close: seeking to a keyframe decodes that frame alone)."""
        keyframes = zip(self.photo.frame_times, self.photo.frame_hashes, strict=False)
        return [
            *super().pictures(),
            *((h, partial(self._keyframe_features, t)) for t, h in keyframes),
        ]

    def _keyframe_features(self, time: float) -> alignment.Features:
        found = frames.at_times(self.data, [time])
        if not found:
            raise PixelsUnavailable(f"no frame decodes at {time} s")
        return alignment.features(found[0].image)

    @cached_property
    def user_data(self) -> list[nal.UserData]:
        """SEI user_data_unregistered messages of the video track's first samples (and of an
        HEVC track's configuration)."""
        track = self.movie.video
        if track is None or track.codec not in NAL_CODECS:
            return []
        hevc = track.codec in ("hvc1", "hev1")
        samples = frames.samples(self.data, SEI_SAMPLES, SEI_BYTES)
        units = chain(
            nal.config_units(track.codec_config, hevc),
            (u for s in samples for u in nal.units(s, track.nal_length)),
        )
        return nal.user_data(units, hevc)


NAL_CODECS = ("avc1", "avc3", "hvc1", "hev1")


def open_media(data: bytes, photo: Photo, limits: Limits) -> PhotoData:
    """The parsed form for a photo or a video."""
    return (
        VideoData(data, photo, limits) if photo.media == "video" else PhotoData(data, photo, limits)
    )
