"""Making programs and driving campaigns; home of the `tandem` command."""
