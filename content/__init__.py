"""What the coach knows and says: exercises, questions and answers, and every reply as a template.

Pure data and a loader. Nothing here imports the rest of Armswing, and nothing does I/O after
loading.
"""
