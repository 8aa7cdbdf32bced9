// The agent's log sink: every structured line (common/log.h) goes to stderr with a UTC
// timestamp in front, `ts=2026-11-26T09:00:00.123Z level=info event=...`, in one write(2) so
// lines from different threads never interleave. Here because it reads the real clock.
#pragma once

namespace herd::sidecar {

void InstallTimestampedLogSink();

}  // namespace herd::sidecar
