"""Images: convolutional classifiers beside linear, SVM and k-NN on pixels; U-Net segmentation; saliency."""
