// Package plot draws the charts of a fine-tuning notebook: lines, histograms
// (token lengths against the cutoff), learning-rate schedules overlaid, and
// the loss of a training run with its evaluation loss and learning rate.
//
// Every constructor checks its data and returns a *Figure, which shows itself
// as a sharp PNG when it is a cell's last value:
//
//	fig, err := plot.Histogram("Token lengths", lengths, 0)
//	fig.Mark(256, "cutoff 256").Labels("tokens", "rows")
//
// fig.SVG() shows the vector form instead, and fig.Save("loss.png") or
// fig.Save("loss.svg") writes a file.
package plot
