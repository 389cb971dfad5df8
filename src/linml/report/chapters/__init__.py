"""Tour chapters: one module per chapter, each defining ``CHAPTER`` (see linml.report.tour).

Order numbers: 10 least squares, 20 sparsity, 30 PCA, 31 PCA vs LDA, 32 kernel PCA,
33 low-rank images, 34 NMF, 40 SVM, 50 recommenders, 60-63 neural, 70-71 graphs/embeddings.
"""
