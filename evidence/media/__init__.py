"""Reading media at the edge of the evidence core: ffprobe, ffmpeg pipes, EXIF."""
