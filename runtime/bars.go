package runtime

// finishBars shows where the running cell's progress bars stopped.
func finishBars(interrupted bool) {}
