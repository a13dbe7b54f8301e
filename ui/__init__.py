"""Streamlit-side helpers of the gait-ID dashboard (the engine, `gait/`, never imports these)."""
