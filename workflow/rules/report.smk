# The HTML report and the published-vs-reproduced verification.
