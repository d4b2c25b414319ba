//! Mergeable statistics (filled in by the stats work).
