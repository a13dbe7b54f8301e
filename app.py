"""gait-ID dashboard: ``streamlit run app.py`` (or ``./run app``).

The pages live in ``pages/``; each is thin and calls the engine package ``gait``. Nobody
reaches a page without signing in (:mod:`ui.auth`): a fresh data folder opens on "create the
first administrator", then on the log-in form; administrators also get the Accounts page.
"""

import streamlit as st

from gait.case.store.permissions import MANAGE_USERS
from ui import auth, common

st.set_page_config(page_title="gait-ID", page_icon=":material/directions_walk:", layout="wide")

CASE_PAGES = [
    st.Page("pages/case.py", title="Case", icon=":material/home:", default=True),
    st.Page("pages/enrolment.py", title="Enrolment", icon=":material/person_add:"),
    st.Page("pages/training.py", title="Training", icon=":material/model_training:"),
    st.Page("pages/gait_visualisation.py", title="Gait visualisation",
            icon=":material/monitoring:"),
    st.Page("pages/prediction.py", title="Prediction", icon=":material/policy:"),
]
ACCOUNTS_PAGE = st.Page("pages/accounts.py", title="Accounts",
                        icon=":material/manage_accounts:")

user, first = None, False
with common.guard("Signing in"):
    user = auth.current_user()
    first = not common.machine_store().has_users()
if user is None:
    start = auth.first_administrator_page if first else auth.login_page
    st.navigation([st.Page(start, title="Log in", icon=":material/login:")]).run()
else:
    auth.account_sidebar(user)
    pages = CASE_PAGES + ([ACCOUNTS_PAGE] if common.may(MANAGE_USERS) else [])
    st.navigation(pages).run()
