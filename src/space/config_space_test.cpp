#include "synetune/space/config_space.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "synetune/core/error.hpp"

namespace synetune {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigSpace, ValidationNamesTheHyperparameter) {
  ConfigSpace cs;
  EXPECT_THAT(error_of([&] { cs.add("lr", FloatDomain{1.0, 0.1}); }), HasSubstr("'lr'"));
  EXPECT_THAT(error_of([&] { cs.add("lr", FloatDomain{0.0, 1.0, Scale::kLog}); }),
              HasSubstr("lower > 0"));
  EXPECT_THAT(error_of([&] { cs.add("n", IntDomain{0, 5, Scale::kLog}); }), HasSubstr("'n'"));
  EXPECT_THAT(error_of([&] { cs.add("act", CategoricalDomain{}); }), HasSubstr("'act'"));
  EXPECT_THAT(error_of([&] { cs.add("act", CategoricalDomain{{"a", 1}}); }),
              HasSubstr("same type"));
  EXPECT_THAT(error_of([&] { cs.add("o", OrdinalDomain{{3, 2, 1}, "nn"}); }),
              HasSubstr("increasing"));
  EXPECT_THAT(error_of([&] { cs.add("f", FiniteRangeDomain{0, 1, 0}); }), HasSubstr("'f'"));
  EXPECT_THAT(error_of([&] { cs.add("st_x", uniform(0, 1)); }), HasSubstr("reserved"));
  cs.add("x", uniform(0, 1));
  EXPECT_THAT(error_of([&] { cs.add("x", uniform(0, 1)); }), HasSubstr("twice"));
  EXPECT_THROW(loguniform(-1, 1), InvalidArgument);
  EXPECT_THROW(randint(5, 1), InvalidArgument);
}

TEST(ConfigSpace, OrdinalDefaultKind) {
  EXPECT_EQ(std::get<OrdinalDomain>(ordinal({1, 2, 4})).kind, "nn");
  EXPECT_EQ(std::get<OrdinalDomain>(ordinal({4, 2, 1})).kind, "equal");
  EXPECT_EQ(std::get<OrdinalDomain>(ordinal({"s", "m", "l"})).kind, "equal");
  EXPECT_EQ(std::get<OrdinalDomain>(ordinal({7})).kind, "equal");
  EXPECT_EQ(std::get<OrdinalDomain>(logordinal({1, 10, 100})).kind, "nn-log");
}

TEST(ConfigSpace, SamplesStayInRangeWithTheRightTypes) {
  ConfigSpace cs;
  cs.add("lr", loguniform(1e-4, 1e-1))
      .add("n", lograndint(1, 64))
      .add("k", randint(-3, 3))
      .add("act", choice({"relu", "tanh"}))
      .add("bs", logordinal({16, 32, 64, 128}))
      .add("fr", finrange(0.0, 1.0, 5))
      .add("fi", logfinrange(1, 1000, 4, true))
      .add("epochs", constant(81));
  Rng rng(1);
  std::set<std::int64_t> ks;
  for (int i = 0; i < 500; ++i) {
    const Config c = cs.sample(rng);
    EXPECT_GE(c["lr"].get<double>(), 1e-4);
    EXPECT_LE(c["lr"].get<double>(), 1e-1);
    EXPECT_TRUE(c["n"].is_number_integer());
    EXPECT_GE(c["n"].get<int>(), 1);
    EXPECT_LE(c["n"].get<int>(), 64);
    ks.insert(c["k"].get<std::int64_t>());
    EXPECT_TRUE(c["fi"].is_number_integer());
    const auto fi = c["fi"].get<int>();
    EXPECT_TRUE(fi == 1 || fi == 10 || fi == 100 || fi == 1000) << fi;
    EXPECT_TRUE(c["fr"].is_number_float());
    EXPECT_EQ(c["epochs"], 81);
  }
  EXPECT_EQ(ks.size(), 7u);  // both ends inclusive
}

TEST(ConfigSpace, LogUniformIsUniformInLogSpace) {
  ConfigSpace cs;
  cs.add("lr", loguniform(1e-4, 1.0));
  Rng rng(3);
  int below = 0;
  for (int i = 0; i < 4000; ++i) below += cs.sample(rng)["lr"].get<double>() < 1e-2;
  EXPECT_NEAR(below / 4000.0, 0.5, 0.04);
}

TEST(ConfigSpace, NearestNeighbourOrdinalSampling) {
  // Values 1, 2, 10: half the mean gap is 2.25, so draws are U[-1.25, 12.25] and 10 wins
  // above the midpoint 6.
  ConfigSpace cs;
  cs.add("o", ordinal({1, 2, 10}, "nn"));
  Rng rng(5);
  int tens = 0;
  for (int i = 0; i < 3000; ++i) tens += cs.sample(rng)["o"] == 10;
  EXPECT_NEAR(tens / 3000.0, (12.25 - 6.0) / 13.5, 0.03);
}

TEST(ConfigSpace, Cardinality) {
  ConfigSpace cs;
  cs.add("a", randint(1, 4)).add("b", choice({"x", "y", "z"})).add("c", constant("k"));
  EXPECT_EQ(cs.cardinality(), 12u);
  cs.add("f", finrange(0, 1, 3));
  EXPECT_EQ(cs.cardinality(), 36u);
  cs.add("u", uniform(0, 1));
  EXPECT_EQ(cs.cardinality(), std::nullopt);
  ConfigSpace big;
  big.add("a", randint(0, 1 << 20));
  EXPECT_EQ(big.cardinality(), std::nullopt);
}

TEST(ConfigSpace, PostprocessCastsAndAddsConstants) {
  ConfigSpace cs;
  cs.add("n", randint(1, 10))
      .add("p", choice({0.1, 0.2}))
      .add("f", finrange(0, 1, 3))
      .add("o", ordinal({1, 2, 4}))
      .add("e", constant(5));
  const Config c = cs.postprocess(Json{{"n", 2.5}, {"p", 0.1000001}, {"f", 0.4}, {"o", 3.5}});
  EXPECT_EQ(c["n"], 2);  // half to even, as Python's round
  EXPECT_TRUE(c["n"].is_number_integer());
  EXPECT_EQ(c["p"], 0.1);
  EXPECT_EQ(c["f"], 0.5);
  EXPECT_EQ(c["o"], 4);
  EXPECT_EQ(c["e"], 5);
  EXPECT_THAT(error_of([&] { cs.postprocess(Json{{"n", 11}, {"p", 0.1}, {"f", 0}, {"o", 1}}); }),
              HasSubstr("'n'"));
  EXPECT_THAT(error_of([&] { cs.postprocess(Json{{"n", 1}, {"p", 0.5}, {"f", 0}, {"o", 1}}); }),
              HasSubstr("'p'"));
  EXPECT_THAT(error_of([&] { cs.postprocess(Json{{"n", 1}, {"f", 0}, {"o", 1}}); }),
              HasSubstr("lacks hyperparameter 'p'"));
}

TEST(ConfigSpace, PostprocessOrdersKeysAsTheSpaceAndKeepsUnknownKeysLast) {
  ConfigSpace cs;
  cs.add("a", uniform(0, 1)).add("k", constant("x")).add("b", randint(1, 9));
  // Keys in another order, the constant given, and a key the space does not know.
  const Config c = cs.postprocess(Json{{"extra", 7}, {"b", 3.0}, {"k", "y"}, {"a", 0.5}});
  EXPECT_EQ(c.dump(), R"({"a":0.5,"k":"x","b":3,"extra":7})");
  // Already in the space's order: the same document.
  EXPECT_EQ(cs.postprocess(c), c);
  EXPECT_EQ(cs.postprocess(Json{{"a", 0.25}, {"b", 2}}).dump(), R"({"a":0.25,"k":"x","b":2})");
}

TEST(ConfigSpace, MidpointFollowsSyneTune) {
  ConfigSpace cs;
  cs.add("u", uniform(0, 1))
      .add("lr", loguniform(1e-4, 1e-2))
      .add("n", randint(1, 4))
      .add("c", choice({"b", "a"}))
      .add("oe", ordinal({"s", "m", "l", "xl"}))
      .add("nn", logordinal({1, 10, 100, 1000}))
      .add("k", constant("x"));
  const Config m = cs.midpoint();
  EXPECT_DOUBLE_EQ(m["u"].get<double>(), 0.5);
  EXPECT_NEAR(m["lr"].get<double>(), 1e-3, 1e-15);
  EXPECT_EQ(m["n"], 2);  // round(2.5) = 2
  EXPECT_EQ(m["c"], "b");
  EXPECT_EQ(m["oe"], "l");  // categories[n // 2]
  EXPECT_TRUE(m["nn"] == 10 || m["nn"] == 100);
  EXPECT_EQ(m["k"], "x");
}

TEST(ConfigSpace, MatchString) {
  ConfigSpace cs;
  cs.add("lr", uniform(0, 1)).add("n", randint(1, 10)).add("c", choice({"a", "b"})).add(
      "e", constant(1));
  EXPECT_EQ(cs.match_string(Json{{"lr", 0.001}, {"n", 3}, {"c", "b"}, {"e", 1}}),
            "lr:1.000000e-03,n:3,c:1");
}

TEST(ConfigSpace, ParsesSyneTuneJson) {
  // As written by syne_tune.config_space.config_space_to_json_dict.
  const Json j = Json::parse(R"({
    "lr": {"domain_cls": "Float", "domain_kwargs": {"lower": 1e-06, "upper": 0.01},
           "sampler_cls": "LogUniform", "sampler_kwargs": {"base": 2.718281828459045}},
    "dropout": {"domain_cls": "Float", "domain_kwargs": {"lower": 0, "upper": 0.5},
                "sampler_cls": "Uniform", "sampler_kwargs": {}},
    "units": {"domain_cls": "Integer", "domain_kwargs": {"lower": 4, "upper": 1024},
              "sampler_cls": "LogUniform", "sampler_kwargs": {"base": 2.718281828459045}},
    "act": {"domain_cls": "Categorical", "domain_kwargs": {"categories": ["relu", "tanh"]},
            "sampler_cls": "Uniform", "sampler_kwargs": {}},
    "size": {"domain_cls": "Ordinal", "domain_kwargs": {"categories": ["s", "m"]},
             "sampler_cls": "Uniform", "sampler_kwargs": {}},
    "bs": {"domain_cls": "OrdinalNearestNeighbor",
           "domain_kwargs": {"categories": [16, 32, 64], "log_scale": true}},
    "wd": {"domain_cls": "FiniteRange", "domain_kwargs": {"lower": 1, "upper": 100,
           "log_scale": true, "cast_int": true, "size": 3}},
    "epochs": 81,
    "name": "mlp"
  })");
  const ConfigSpace cs = ConfigSpace::from_json(j);
  ASSERT_EQ(cs.size(), 9u);
  EXPECT_EQ(std::get<FloatDomain>(cs.find("lr")->domain).scale, Scale::kLog);
  EXPECT_EQ(std::get<IntDomain>(cs.find("units")->domain).upper, 1024);
  EXPECT_EQ(std::get<OrdinalDomain>(cs.find("size")->domain).kind, "equal");
  EXPECT_EQ(std::get<OrdinalDomain>(cs.find("bs")->domain).kind, "nn-log");
  EXPECT_TRUE(std::get<FiniteRangeDomain>(cs.find("wd")->domain).cast_int);
  EXPECT_EQ(std::get<ConstantDomain>(cs.find("name")->domain).value, "mlp");
  EXPECT_EQ(cs.to_json(), j);  // byte-for-byte Syne Tune's form
  // Metadata stores it as a string inside JSON.
  EXPECT_EQ(ConfigSpace::from_json(Json(j.dump())).to_json(), j);
  EXPECT_THAT(error_of([] {
                ConfigSpace::from_json(Json::parse(
                    R"({"x": {"domain_cls": "Float", "domain_kwargs": {"lower": 0, "upper": 1},
                    "sampler_cls": "Normal", "sampler_kwargs": {"mean": 0, "sd": 1}}})"));
              }),
              HasSubstr("'x'"));
}

TEST(ConfigSpace, TextForms) {
  ConfigSpace cs;
  cs.add_from_text("lr=loguniform(1e-4,1e-1)");
  cs.add_from_text("act = choice(relu, tanh)");
  cs.add_from_text("opt=choice(\"a b\",c)");
  cs.add_from_text("bs=ordinal(8,16,32)");
  cs.add_from_text("sz=ordinal(s,m,l)");
  cs.add_from_text("w=logordinal(1,10,100)");
  cs.add_from_text("f=finrange(0,1,5)");
  cs.add_from_text("g=logfinrange(1,1000,4,cast_int=true)");
  cs.add_from_text("u=uniform(-1,1)");
  cs.add_from_text("n=randint(1,64)");
  cs.add_from_text("m=lograndint(1,1024)");
  cs.add_from_text("layers=[64, 32]");
  cs.add_from_text("neg=-3");
  cs.add_from_text("model=resnet");
  cs.add_from_text("rate=0.5");
  cs.add_from_text("mix=choice(1,2.5)");
  EXPECT_EQ(std::get<FloatDomain>(cs.find("lr")->domain).lower, 1e-4);
  EXPECT_EQ(std::get<CategoricalDomain>(cs.find("act")->domain).categories,
            (std::vector<Json>{"relu", "tanh"}));
  EXPECT_EQ(std::get<CategoricalDomain>(cs.find("opt")->domain).categories,
            (std::vector<Json>{"a b", "c"}));
  EXPECT_EQ(std::get<OrdinalDomain>(cs.find("bs")->domain).kind, "nn");
  EXPECT_EQ(std::get<OrdinalDomain>(cs.find("sz")->domain).kind, "equal");
  EXPECT_EQ(std::get<OrdinalDomain>(cs.find("w")->domain).kind, "nn-log");
  EXPECT_EQ(std::get<FiniteRangeDomain>(cs.find("f")->domain).size, 5);
  EXPECT_TRUE(std::get<FiniteRangeDomain>(cs.find("g")->domain).cast_int);
  EXPECT_EQ(std::get<IntDomain>(cs.find("m")->domain).scale, Scale::kLog);
  EXPECT_EQ(std::get<ConstantDomain>(cs.find("layers")->domain).value, Json::parse("[64,32]"));
  EXPECT_EQ(std::get<ConstantDomain>(cs.find("neg")->domain).value, -3);
  EXPECT_EQ(std::get<ConstantDomain>(cs.find("model")->domain).value, "resnet");
  EXPECT_EQ(std::get<ConstantDomain>(cs.find("rate")->domain).value, 0.5);
  EXPECT_TRUE(std::get<CategoricalDomain>(cs.find("mix")->domain).categories[0].is_number_float());
  EXPECT_THAT(error_of([&] { cs.add_from_text("x=gauss(0,1)"); }), HasSubstr("accepted forms"));
  EXPECT_THAT(error_of([&] { cs.add_from_text("x=uniform(0)"); }), HasSubstr("accepted forms"));
  EXPECT_THAT(error_of([&] { cs.add_from_text("nothing"); }), HasSubstr("accepted forms"));
  EXPECT_THAT(error_of([&] { cs.add_from_text("x=randint(1.5,3)"); }), HasSubstr("integer"));
}

// Text that looks like a domain call but does not parse used to become a string constant, so
// nothing was tuned. Each must be an error naming the parameter, the problem and the domains.
TEST(ConfigSpace, MalformedDomainTextIsAnErrorNeverAConstant) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"x=uniform(0,1", "unbalanced parentheses"},
      {"x=choice(a,b", "unbalanced parentheses"},
      {"x=garbage((", "unbalanced parentheses"},
      {"x=loguniform(1e-4)", "loguniform takes 2 arguments, got 1"},
      {"x=randint(1,x)", "expected a number"},
      {"x=uniform(0,1)x", "unexpected text 'x'"},
      {"x=uniform(0,1))", "unexpected text ')'"},
      {"x=f(x)+1", "unexpected text '+1'"},
      {"x=(1,2)", "has parentheses but is not a domain call"},
      {"x=a)b", "has parentheses but is not a domain call"},
      {"x=choice(f(x),b)", "has parentheses but is not a domain call"},
      {"x=finrange(0,1,5,cast_int=yes)", "cast_int must be true or false"},
      {"x=finrange(0,1,5,1)", "cast_int must be true or false"},
      {"x=unifrom(0,1)", "unknown domain 'unifrom' (did you mean 'uniform'?)"},
      {"x=LogUniform(1,2)", "did you mean 'loguniform'?"},
      {"x=gauss(0,1)", "unknown domain 'gauss'"},
  };
  for (const auto& [text, problem] : cases) {
    ConfigSpace cs;
    const std::string err = error_of([&] { cs.add_from_text(text); });
    EXPECT_THAT(err, HasSubstr("hyperparameter 'x'")) << text;
    EXPECT_THAT(err, HasSubstr(problem)) << text;
    EXPECT_THAT(err, HasSubstr("uniform(l,u), loguniform(l,u), randint(l,u)")) << text;
    EXPECT_THAT(err, HasSubstr("logfinrange(")) << text;
    EXPECT_EQ(cs.size(), 0u) << text;
  }
  ConfigSpace cs;
  EXPECT_THAT(error_of([&] { cs.add_from_text("x=gauss(0,1)"); }), Not(HasSubstr("did you mean")));
}

TEST(ConfigSpace, SpacedCallIsADomainAndQuotedParenthesesAreAConstant) {
  ConfigSpace cs;
  cs.add_from_text("a=uniform (0,1)");
  cs.add_from_text("f=\"f(x)\"");
  cs.add_from_text("g='g(y)'");
  cs.add_from_text("c=choice(\"f(x)\",\"g(y)\")");
  cs.add_from_text("r=finrange(0,1,5,cast_int=false)");
  EXPECT_EQ(std::get<FloatDomain>(cs.find("a")->domain).upper, 1.0);
  EXPECT_EQ(std::get<ConstantDomain>(cs.find("f")->domain).value, "f(x)");
  EXPECT_EQ(std::get<ConstantDomain>(cs.find("g")->domain).value, "g(y)");
  EXPECT_EQ(std::get<CategoricalDomain>(cs.find("c")->domain).categories,
            (std::vector<Json>{"f(x)", "g(y)"}));
  EXPECT_FALSE(std::get<FiniteRangeDomain>(cs.find("r")->domain).cast_int);
  // The text form of a constant with parentheses is quoted, so it reads back as the constant.
  ConfigSpace back;
  back.add_from_text("f=" + ConfigSpace::domain_to_text(cs.find("f")->domain));
  EXPECT_EQ(std::get<ConstantDomain>(back.find("f")->domain).value, "f(x)");
}

TEST(ConfigEncoder, LayoutAndKnownValues) {
  ConfigSpace cs;
  cs.add("u", uniform(0, 10))
      .add("lr", loguniform(1e-3, 1e-1))
      .add("n", randint(0, 4))
      .add("b", choice({"x", "y"}))
      .add("c", choice({"p", "q", "r"}))
      .add("e", constant(1));
  const ConfigEncoder enc(cs);
  EXPECT_EQ(enc.dimension(), 7u);
  EXPECT_EQ(enc.dim_owner(), (std::vector<std::size_t>{0, 1, 2, 3, 4, 4, 4}));
  EXPECT_EQ(enc.is_categorical_dim(), (std::vector<bool>{0, 0, 0, 1, 1, 1, 1}));
  const auto x = enc.encode(Json{{"u", 2.5}, {"lr", 1e-2}, {"n", 0}, {"b", "y"}, {"c", "q"}});
  EXPECT_DOUBLE_EQ(x[0], 0.25);
  EXPECT_NEAR(x[1], 0.5, 1e-12);
  EXPECT_NEAR(x[2], 0.1, 1e-7);  // 0 is the first fifth of [-0.5, 4.5]
  EXPECT_NEAR(x[3], 0.75, 1e-7);
  EXPECT_EQ((std::vector<double>{x[4], x[5], x[6]}), (std::vector<double>{0, 1, 0}));
  const Config back = enc.decode({1.0, 0.0, 0.99, 0.2, 0.1, 0.3, 0.2});
  EXPECT_EQ(back["u"], 10.0);
  EXPECT_NEAR(back["lr"].get<double>(), 1e-3, 1e-15);
  EXPECT_EQ(back["n"], 4);
  EXPECT_EQ(back["b"], "x");
  EXPECT_EQ(back["c"], "q");
  EXPECT_EQ(back["e"], 1);
  EXPECT_THROW(enc.decode({0.0}), InvalidArgument);
}

// ---- property test over random spaces ----

Domain random_domain(Rng& r) {
  const double a = r.uniform(-5, 5), w = r.uniform(0.1, 10);
  switch (r.randint(0, 9)) {
    case 0: return uniform(a, a + w);
    case 1: return loguniform(std::exp(a), std::exp(a) * (1 + w));
    case 2: { auto l = r.randint(-20, 20); return randint(l, l + r.randint(0, 50)); }
    case 3: { auto l = r.randint(1, 20); return lograndint(l, l + r.randint(0, 500)); }
    case 4: {
      std::vector<Json> c;
      for (int i = 0, n = static_cast<int>(r.randint(1, 5)); i < n; ++i) c.push_back("v" + std::to_string(i));
      return choice(c);
    }
    case 5: return ordinal({"s", "m", "l"});
    case 6: return ordinal({1, 3, 4, 10}, "nn");
    case 7: return logordinal({0.001, 0.01, 0.5});
    case 8: return finrange(a, a + w, r.randint(1, 6), r.bernoulli(0.5));
    default: return r.bernoulli(0.5) ? logfinrange(1, 1 + w, r.randint(1, 6)) : constant(a);
  }
}

bool same_config(const ConfigSpace& cs, const Config& a, const Config& b) {
  for (const auto& hp : cs.hyperparameters()) {
    if (std::holds_alternative<FloatDomain>(hp.domain)) {
      const double x = a[hp.name].get<double>(), y = b[hp.name].get<double>();
      if (std::abs(x - y) > 1e-9 * std::max(1.0, std::abs(x))) return false;
    } else if (a[hp.name] != b[hp.name] || a[hp.name].type() != b[hp.name].type()) {
      return false;
    }
  }
  return true;
}

TEST(ConfigSpaceProperty, RoundTripsOnRandomSpaces) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    SCOPED_TRACE("failing seed " + std::to_string(seed));
    Rng r(seed);
    ConfigSpace cs;
    for (int i = 0, d = static_cast<int>(r.randint(1, 8)); i < d; ++i)
      cs.add("h" + std::to_string(i), random_domain(r));
    const ConfigEncoder enc(cs);
    // Same seed, same samples.
    Rng s1(seed), s2(seed);
    for (int k = 0; k < 5; ++k) ASSERT_EQ(cs.sample(s1), cs.sample(s2));
    // JSON and text round trips.
    ASSERT_EQ(ConfigSpace::from_json(Json::parse(cs.to_json().dump())).to_json(), cs.to_json());
    ConfigSpace from_text;
    for (const auto& hp : cs.hyperparameters())
      from_text.add_from_text(hp.name + "=" + ConfigSpace::domain_to_text(hp.domain));
    ASSERT_EQ(from_text.to_json(), cs.to_json());
    Rng rng(seed + 1000);
    for (int k = 0; k < 20; ++k) {
      const Config c = cs.sample(rng);
      ASSERT_EQ(cs.postprocess(c), c) << c.dump();  // samples are in range and already cast
      const Config back = enc.decode(enc.encode(c));
      ASSERT_TRUE(same_config(cs, back, c)) << c.dump() << " vs " << back.dump();
      ASSERT_EQ(cs.match_string(back), cs.match_string(c));
      std::vector<double> x(enc.dimension());
      for (auto& v : x) v = rng.uniform();
      const auto e1 = enc.encode(enc.decode(x));
      const auto e2 = enc.encode(enc.decode(e1));
      for (std::size_t i = 0; i < e1.size(); ++i) {
        ASSERT_GE(e1[i], 0.0);
        ASSERT_LE(e1[i], 1.0);
        ASSERT_NEAR(e1[i], e2[i], 1e-9);
      }
    }
  }
}

}  // namespace
}  // namespace synetune
