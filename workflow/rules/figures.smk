# Figures: matplotlib, one committed style file, SVG and PNG per figure.
