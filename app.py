"""gait-ID dashboard: ``streamlit run app.py`` (or ``./run app``).

The pages live in ``pages/``; each is thin and calls the engine package ``gait``.
"""

import streamlit as st

st.set_page_config(page_title="gait-ID", page_icon=":material/directions_walk:", layout="wide")

PAGES = [
    st.Page("pages/case.py", title="Case", icon=":material/home:", default=True),
    st.Page("pages/enrolment.py", title="Enrolment", icon=":material/person_add:"),
    st.Page("pages/training.py", title="Training", icon=":material/model_training:"),
    st.Page("pages/gait_visualisation.py", title="Gait visualisation",
            icon=":material/monitoring:"),
    st.Page("pages/prediction.py", title="Prediction", icon=":material/policy:"),
]

st.navigation(PAGES).run()
