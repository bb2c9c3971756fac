def test_demo_fixture_builds(demo_db):
    with demo_db.read() as cur:
        assert cur.execute("select count(*) from villages").fetchone() == (25,)
