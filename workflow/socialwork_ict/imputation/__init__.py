"""Multiple imputation of item non-response (data contract v2 §3, ``imputation:``).

:mod:`.settings` reads the config block, :mod:`.supplied` reads completed
files made elsewhere, :mod:`.chained` makes them (chained equations),
:mod:`.analysis` analyses one completed file and pools the m analyses with
:mod:`socialwork_ict.inference.pooling` (Rubin's rules, D1, D2).

Why not ``statsmodels.imputation.mice`` (checked, statsmodels 0.15): its
``MICEData`` imputes every variable by predictive mean matching on a
linear (OLS) fit of the codes, with the parameters perturbed by a normal
approximation; a model suited to each kind (ordinal, nominal, binary) needs
a user-written model class per variable, it imputes every empty cell (no
skip-logic blanks kept), and ``MICE.fit`` pools model-based
(non-design) covariances by Rubin's rules with the large-sample df only:
no Barnard-Rubin df, no D1 or D2 tests, no survey design. The pipeline
needs all of these, so pooling is :mod:`~socialwork_ict.inference.pooling`
and the imputation models are :mod:`.chained`'s.
"""
