"""Model settings: view defaults, the command line's overrides, the metadata round trip."""

from __future__ import annotations

import pytest

from gait.identification.settings import ModelSettings


def test_overrides_are_read_as_their_fields_types() -> None:
    got = ModelSettings.parse_overrides([("augment_clothing_bl", "0.005"), ("n_members", "3"),
                                         ("direction_scaling", "false"),
                                         ("hidden_units", "32,16")])
    assert got == {"augment_clothing_bl": 0.005, "n_members": 3, "direction_scaling": False,
                   "hidden_units": (32, 16)}
    settings = ModelSettings.for_view("front", **got)
    assert settings.augment().clothing_bl == 0.005 and settings.hidden_units == (32, 16)


@pytest.mark.parametrize(("pair", "message"), [
    (("augment_coat", "1"), "unknown setting 'augment_coat'"),
    (("n_members", "three"), "setting n_members='three' is not an int"),
    (("with_visibility", "maybe"), "is not true or false"),
    (("robust_parameters", "arms"), "robust_parameters must be 'clothing' or 'dynamic'"),
    (("cycle_probability_floor", "0"), r"cycle_probability_floor must be in \(0, 1\)"),
    (("off_axis_robust_deg", "95"), r"off_axis_robust_deg must be in \[0, 90\] \(0: never\)"),
    (("augment_excursion_damping", "1"), r"augment_excursion_damping must be in \[0, 1\)"),
    (("label_smoothing", "0.5"), r"label_smoothing must be in \[0, 0.5\)"),
    (("label_smoothing", "-0.1"), r"label_smoothing must be in \[0, 0.5\)"),
    (("augment_facing_flicker", "-0.1"), r"augment_facing_flicker must be in \[0, 1\)"),
])
def test_a_bad_override_is_one_clear_line(pair: tuple[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ModelSettings.for_view("side", **ModelSettings.parse_overrides([pair]))


def test_what_the_robust_towers_read() -> None:
    from gait.walk.parameters import clothing_robust_names, parameters_for_view

    for view in ("side", "front"):
        clothing = ModelSettings().robust_names(view)
        dynamic = ModelSettings(robust_parameters="dynamic").robust_names(view)
        assert clothing == clothing_robust_names(view)
        assert set(clothing) < set(dynamic)
        left_out = {p.name for p in parameters_for_view(view)} - set(dynamic)
        assert left_out and all(p.kind == "static" and not p.clothing_robust
                                for p in parameters_for_view(view) if p.name in left_out)
        assert "trunk_length_bl" in left_out and "shank_length_left_bl" in dynamic
        assert "arm_swing_rom_left_deg" in dynamic


def test_settings_of_an_older_model_leave_the_covariate_augmentation_off() -> None:
    """Metadata written before the covariate augmentation existed reads back with it off."""
    old = ModelSettings().to_dict()
    added = ("augment_clothing_bl", "augment_arm_damping", "augment_yaw_deg",
             "augment_hip_drop_bl", "augment_covariate_shift", "score_normalisation",
             "robust_members", "robust_parameters", "cycle_probability_floor",
             "off_axis_robust_deg", "augment_excursion_damping", "label_smoothing",
             "augment_facing_flicker")
    for name in added:
        old.pop(name)
    settings = ModelSettings.from_dict(old)
    assert [getattr(settings, n) for n in added] == [0.0, 0.0, 0.0, 0.0, 0.0, "none", 0,
                                                     "clothing", 1e-12, 0.0, 0.0, 0.0, 0.0]
    assert ModelSettings().augment_covariate_shift == 1.0
    assert ModelSettings.for_view("front").augment().facing_flicker_share == 0.1
    assert ModelSettings.for_view("side").augment().facing_flicker_share == 0.0
    assert ModelSettings.from_dict(ModelSettings().to_dict()) == ModelSettings()
