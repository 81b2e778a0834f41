//! Audio analysis (in progress).
