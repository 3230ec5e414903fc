package checks

import (
	"maps"
	"testing"

	"github.com/jobdesc/jobdesc/templates"
)

// testRole returns a hand-built account-manager role with the built-in
// template's field ids, so tests do not depend on the renderer.
func testRole(t testing.TB) *templates.Role {
	t.Helper()
	f := func(id string, k templates.Kind) templates.Field {
		return templates.Field{ID: id, Label: id, Kind: k}
	}
	return &templates.Role{
		ID: "account-manager", Name: "Account Manager",
		Fields: []templates.Field{
			f("job_title", templates.ShortText),
			f("level", templates.SingleChoice),
			f("company_name", templates.ShortText),
			f("company_bio", templates.LongText),
			f("serves", templates.ShortText),
			f("product", templates.ShortText),
			f("partner_teams", templates.MultiChoice),
			f("field_of_study", templates.ShortText),
			f("years_experience", templates.Number),
			f("industry", templates.ShortText),
			f("platforms", templates.MultiChoice),
			f("reports_to", templates.ShortText),
			f("location", templates.ShortText),
			f("work_arrangement", templates.SingleChoice),
			f("salary_min", templates.Number),
			f("salary_max", templates.Number),
			f("salary_currency", templates.SingleChoice),
			f("salary_period", templates.SingleChoice),
			f("extra_responsibilities", templates.LongText),
			f("extra_qualifications", templates.LongText),
			f("how_to_apply", templates.LongText),
		},
	}
}

// sampleValues returns values for the sample posting; change returns a copy
// with the given keys replaced.
func sampleValues() templates.Values {
	return templates.Values{
		"job_title":              "Account Manager",
		"level":                  "mid",
		"company_name":           "Northwind Traders",
		"company_bio":            "Northwind Traders sells kitchen equipment and service plans to family-run restaurants across the Midwest. We are 120 people with offices in Chicago and Milwaukee.",
		"serves":                 "restaurant owners",
		"product":                "kitchen equipment and service plans",
		"partner_teams":          "sales,service",
		"field_of_study":         "business",
		"years_experience":       "3",
		"industry":               "hospitality",
		"platforms":              "hubspot",
		"reports_to":             "Head of Customer Success",
		"location":               "Chicago, IL",
		"work_arrangement":       "hybrid",
		"salary_min":             "70000",
		"salary_max":             "90000",
		"salary_currency":        "USD",
		"salary_period":          "year",
		"extra_responsibilities": "Visit two or three restaurants a week in the Chicago area",
		"extra_qualifications":   "A driving licence, as most visits are by car",
		"how_to_apply":           "Send a short note and your CV to jobs@northwind.example by 15 January.",
	}
}

func change(v templates.Values, kv ...string) templates.Values {
	out := maps.Clone(v)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// samplePosting returns a hand-built rendering of sampleValues, written to
// pass every check (the clean baseline that rule tests change one thing in).
func samplePosting() templates.Rendered {
	return templates.Rendered{
		Title: "Account Manager at Northwind Traders",
		Intro: "Northwind Traders sells kitchen equipment and service plans to family-run restaurants across the Midwest. " +
			"We are 120 people with offices in Chicago and Milwaukee. We are looking for an account manager to look after " +
			"a group of about forty restaurant owners, help them get more out of what they buy from us, and keep them with us for years.",
		Sections: []templates.Section{
			{
				Heading: "About the role",
				Paragraphs: []string{
					"You will be the person our restaurant owners call first. You will get to know how each kitchen runs, " +
						"spot what it needs before the owner has to ask, and make sure orders, repairs and renewals go smoothly.",
					"You will report to the Head of Customer Success and work closely with our sales and service teams. " +
						"This is a hybrid role based in Chicago, IL, with three days a week in the office or out on visits.",
				},
			},
			{
				Heading: "What you'll do",
				Bullets: []string{
					"Look after about forty restaurant accounts and be their main contact",
					"Run a review with each owner every three months and plan the next steps",
					"Plan renewals early and keep every account's records up to date in HubSpot",
					"Work with the sales team on new orders and with the service team on repairs",
					"Answer questions by phone and email within one working day",
					"Pass on what owners tell you with the product team",
					"Visit two or three restaurants a week in the Chicago area",
				},
			},
			{
				Heading: "What you bring",
				Bullets: []string{
					"About 3 years of experience in account management, customer success or sales",
					"A background in business or a related field, or the same skills gained at work",
					"Experience in hospitality or with restaurants is welcome but not required",
					"Clear, friendly writing and a calm manner on the phone",
					"Comfort with HubSpot or a similar CRM",
					"A driving licence, as most visits are by car",
				},
			},
			{
				Heading: "Pay and benefits",
				Paragraphs: []string{
					"The salary for this role is 70,000 to 90,000 USD a year, based on experience. " +
						"You also get health, dental and vision cover, a 401(k) plan with a 4% match, 25 days of paid time off " +
						"and a yearly budget for training.",
				},
			},
			{
				Heading: "How to apply",
				Paragraphs: []string{
					"Send a short note and your CV to jobs@northwind.example by 15 January. " +
						"Tell us about a customer you kept, and how. We read every application and reply to everyone within two weeks. " +
						"If you need any changes to the interview process, tell us and we will make them.",
				},
			},
		},
	}
}

// postingText returns the whole description as Check reads it.
func postingText(r templates.Rendered) string {
	text, _ := postingLines(r)
	return text
}

// ofRule returns the findings of fs with the given rule.
func ofRule(fs []Finding, rule string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}
