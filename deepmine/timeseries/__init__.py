"""Time series: deep classifiers and forecasters beside the methods the time-series community measures against."""
