"""Demo data: damage to the World Heritage property "Site of Palmyra" (Syria).

Every fact, date and coordinate below is compiled from the public sources named in ``SOURCES``
(UNESCO World Heritage Centre pages, GeoNames, Wikipedia articles, ASOR Cultural Heritage
Initiatives reports, UNITAR-UNOSAT findings as reported by news agencies, and press reports).
Each record names the source key it rests on; nothing here is an official damage assessment.

Coordinates are WGS84 decimal degrees and are approximate: treat each point as correct only
within its ``location_precision_m``. Where no point of the monument itself was found, the point
of a named neighbouring feature is used with a wider radius, and the description says so.

``extent_percent`` values are a reading of the cited source, not a measurement; ``None`` means
the source gives no basis for a figure.
"""

from datetime import date

SOURCES: dict[str, str] = {
    # --- site and location references -------------------------------------------------------
    "unesco_whc_23": (
        "UNESCO World Heritage Centre, 'Site of Palmyra' (property no. 23), "
        "https://whc.unesco.org/en/list/23/ ; inscription 1980 and List of World Heritage in "
        "Danger 2013-present per State of Conservation 2016 (C 23bis), "
        "http://whc.unesco.org/en/soc/3350 ; list coordinates N34 33 15 E38 16 00 as reproduced "
        "by World Heritage Explorer, "
        "https://www.worldheritageexplorer.org/sites/site_of_palmyra.html"
    ),
    "geonames_bel": (
        "GeoNames feature 8383565 'Ma'bad Bal' (Temple of Bel), 34.54738 N 38.27393 E, "
        "https://www.geonames.org/8383565 (also in Swedish Wikipedia, "
        "https://sv.wikipedia.org/wiki/Ma%E2%80%98bad_Bal)"
    ),
    "wikimapia_bel": (
        "Wikimapia, 'Baal Tempel (Palmyra)' (user-edited entry: cella blown up at the end of "
        "August 2015, outer walls preserved), http://wikimapia.org/5813495/de/Baal-Tempel"
    ),
    "wiki_baalshamin": (
        "Wikipedia, 'Temple of Baalshamin', https://en.wikipedia.org/wiki/Temple_of_Baalshamin"
    ),
    "wiki_arch": (
        "Wikipedia, 'Monumental Arch of Palmyra', "
        "https://en.wikipedia.org/wiki/Monumental_Arch_of_Palmyra"
    ),
    "wiki_theatre": (
        "Wikipedia, 'Roman Theatre at Palmyra', https://en.wikipedia.org/wiki/Roman_Theatre_at_Palmyra"
    ),
    "wiki_colonnade": (
        "Wikipedia, 'Great Colonnade at Palmyra', "
        "https://en.wikipedia.org/wiki/Great_Colonnade_at_Palmyra"
    ),
    "wiki_elahbel": (
        "Wikipedia, 'Tower of Elahbel', https://en.wikipedia.org/wiki/Tower_of_Elahbel"
    ),
    "wiki_camp": (
        "Wikipedia, 'Camp of Diocletian', https://en.wikipedia.org/wiki/Camp_of_Diocletian"
    ),
    "wiki_castle": ("Wikipedia, 'Palmyra Castle', https://en.wikipedia.org/wiki/Palmyra_Castle"),
    "wiki_tadmur": (
        "Wikipedia (Nynorsk), 'Tadmur' (town point 34.56000 N 38.26722 E; museum in the south-west "
        "of the town), https://nn.wikipedia.org/wiki/Tadmur"
    ),
    "syriaphotoguide_tetrapylon": (
        "Syria Photo Guide, 'Palmyra - Tetrapylon', "
        "https://syriaphotoguide.com/palmyra-tetrapylon-%D8%AA%D8%AF%D9%85%D8%B1-%D8%A7%D9%84%D8%A"
        "A%D8%AA%D8%B1%D8%A7%D8%A8%D9%8A%D9%84/"
    ),
    "syriaphotoguide_museum": (
        "Syria Photo Guide, 'Palmyra - Museum', https://syriaphotoguide.com/"
        "palmyra-museum-%d8%aa%d8%af%d9%85%d8%b1-%d9%85%d8%aa%d8%ad%d9%81/"
    ),
    "syriaphotoguide_agora": (
        "Syria Photo Guide, 'Palmyra - Agora & Tariff Court', "
        "https://syriaphotoguide.com/tag/%D8%A7%D9%84%D8%A2%D8%BA%D9%88%D8%B1%D8%A7/"
    ),
    "lonelyplanet_agora": (
        "Lonely Planet, 'Agora' (Palmyra), http://www.lonelyplanet.com/syria/palmyra/sights/historic/agora"
    ),
    "lonelyplanet_tetrapylon": (
        "Lonely Planet Syria guide text on the Tetrapylon, as reproduced by holidaytravel.cc, "
        "https://holidaytravel.cc/Article/travelguides/middleeast/syrianarabrepubic/201602/21148.h"
        "tml"
    ),
    "global_geography_agora": (
        "Global Geography, 'Agora at Palmyra' (photo note: the Senate behind the theatre opens "
        "onto the Agora), "
        "https://global-geography.org/af/Geography/Asia/Syria/Pictures/Palmyra/811_Agora_Palmyra"
    ),
    # --- damage reports -----------------------------------------------------------------------
    "reuters_gallery_2015": (
        "Reuters, 'Palmyra in ruins' picture gallery, 31 August 2015 (photographs by Sandra Auger, "
        "4-5 August 2010), http://www.reuters.com/news/picture/palmyra-in-ruins-idUSRTX1QG8C"
    ),
    "afp_unitar_baalshamin": (
        "AFP, 'Satellite images confirm Palmyra temple destruction: UN', Dawn, 29 August 2015 "
        "(UNITAR-UNOSAT comparison of 26 June and 27 August 2015 imagery), "
        "https://dawn.com/news/1203475"
    ),
    "ap_unosat_bel": (
        "Associated Press, 'Satellite image shows Palmyra temple destruction', Al Arabiya, "
        "1 September 2015 (UNOSAT imagery of 27 and 31 August 2015), "
        "https://english.alarabiya.net/News/middle-east/2015/09/01/"
        "U-N-confirms-Syria-Palmyria-temple-destruction"
    ),
    "bbc_bel_2015": (
        "BBC News, 'Palmyra's Temple of Bel destroyed, says UN', 1 September 2015, "
        "http://www.bbc.com/news/world-middle-east-34111092"
    ),
    "ap_tower_tombs_2015": (
        "Associated Press, 'ISIS destroys 3 ancient tombs in Syria, official says', CBS News, "
        "4 September 2015 (citing the ASOR Syrian Heritage Initiative report of 3 September 2015), "
        "https://cbsnews.com/news/isis-destroys-3-ancient-tombs-in-syria-official-says/"
    ),
    "reuters_arch_2015": (
        "Reuters (Kinda Makieh), 'Islamic State militants blow up ancient Arch of Triumph in "
        "Palmyra', 4 October 2015, as reproduced at "
        "https://www.amren.com/news/2015/10/islamic-state-militants-blow-up-ancient-arch-of-triump"
        "h-in-palmyra/"
    ),
    "dgam_asor_2017": (
        "Directorate-General of Antiquities and Museums (DGAM), 'New destruction at Palmyra: "
        "Tetrapylon and the Roman Theater', 19 January 2017 (ASOR satellite imagery analysis, "
        "26 December 2016 - 10 January 2017), http://www.dgam.gov.sy/index.php?p=314&id=2191"
    ),
    "asor_chi_2017": (
        "ASOR Cultural Heritage Initiatives statement on the Tetrapylon and Roman Theater "
        "(DigitalGlobe imagery, 26 December 2016 - 10 January 2017), as reproduced by Palmyra "
        "Monitor, https://palmyra-monitor.net/"
        "isis-destroyed-the-tetrapylon-and-part-of-the-roman-theater-in-palmyra/"
    ),
    "unesco_dg_2017": (
        "UNESCO, 'UNESCO Director-General condemns destruction of the Tetrapylon and severe damage "
        "to the Theatre in Palmyra, a UNESCO World Heritage site', 20 January 2017 (citing "
        "UNITAR-UNOSAT imagery), as reproduced at https://people.utm.my/lylai/2017/01/20/"
        "unesco-director-general-condemns-destruction-of-the-tetrapylon-and-severe-damage-to-the-"
        "theatre-in-palmyra-a-unesco-world-heritage-site"
    ),
    "telegraph_2017": (
        "The Telegraph, 'Islamic State blows up famous Palmyra monuments in fresh assault', "
        "20 January 2017, https://telegraph.co.uk/news/2017/01/20/"
        "islamic-state-blows-famous-palmyra-monuments-fresh-assault-unesco"
    ),
    "ap_museum_2016": (
        "Associated Press, 'Islamic State-inflicted damage on ancient Palmyra stuns antiquities "
        "experts', The Japan Times, 29 March 2016, https://www.japantimes.co.jp/news/2016/03/29/"
        "world/islamic-state-inflicted-damage-ancient-palmyra-stuns-antiquities-experts/"
    ),
    "ap_museum_markowski_2016": (
        "Associated Press (Zeina Karam), 'Grim new details of IS destruction in Syria's Palmyra "
        "museum', April 2016, as summarised at http://baringtheaegis.blogspot.com/2016/04/"
        "new-details-of-damage-at-palmyra-museum.html"
    ),
    "ap_citadel_photo_2016": (
        "Associated Press, 'Syrian experts shocked by damage inside Palmyra's museum', 28 March "
        "2016, with SANA photograph of damage to the Palmyra citadel dated 27 March 2016, "
        "https://www.theepochtimes.com/syrian-experts-shocked-by-damage-inside-palmyras-museum_200"
        "5491.html"
    ),
    "arabweekly_2016": (
        "The Arab Weekly, 'Syrians hope world will help in Palmyra restoration', 1 April 2016, "
        "https://thearabweekly.com/syrians-hope-world-will-help-palmyra-restoration"
    ),
    # --- restoration opinions -----------------------------------------------------------------
    "seed_rt_2016": (
        "RT / Multipolarity, article on the recapture of Palmyra, 27 March 2016 (seed article of "
        "this demo; quotations as supplied in the project brief, URL not re-verified)"
    ),
    "tass_karmov_2016": (
        "TASS, 'Palmyra's state is better than expected but it is too early for restoration works "
        "- expert', 18 April 2016, http://tass.com/world/870612"
    ),
    "tass_lesovoi_2016": (
        "TASS, 'Palmyra's Baalshamin temple may be restored - expert', 14 July 2016, "
        "https://tass.com/society/888087"
    ),
    "tass_piotrovsky_2016": (
        "TASS, 'Hermitage chief says path to restoring Palmyra can begin when warfare ends', "
        "26 July 2016, http://tass.com/society/890786"
    ),
    "ida_replica_2016": (
        "The National, 'Palmyra Arch recreated in London with Dubai and New York next', "
        "19 April 2016, https://www.thenationalnews.com/world/"
        "palmyra-arch-recreated-in-london-with-dubai-and-new-york-next-1.142188"
    ),
    "ansa_matthiae_2017": (
        "ANSAmed, 'Archeaologist says 70% of Palmyra can be rebuilt', 30 June 2017, "
        "https://www.ansamed.info/ansamed/en/news/sections/culture/2017/06/28/"
        "archeaologist-says-70-of-palmyra-can-be-rebuilt_1003e771-b64b-4c8e-83b8-0a4aa7f362b5.html"
    ),
    "moscowtimes_2019": (
        "The Moscow Times, 'Russia, Syria Agree to Restore Ancient Palmyra', 28 November 2019, "
        "https://www.themoscowtimes.com/2019/11/28/russia-syria-agree-to-restore-ancient-palmyra-a"
        "68365"
    ),
    "sputnik_arch_2020": (
        "Sputnik via UrduPoint, 'Palmyra restoration deal with Russia postponed', 23 March 2020, "
        "https://www.urdupoint.com/en/world/palmyra-restoration-deal-with-russia-postpone-872119.h"
        "tml"
    ),
    "interfax_arch_2023": (
        "Interfax, 'Specialists from Russia's Institute for History of Material Culture to start "
        "Palmyra Arch restoration together with Syrian colleagues soon - Putin', 17 November 2023, "
        "https://interfax.com/newsroom/top-stories/96631/"
    ),
}

SITE: dict = {
    "name": "Site of Palmyra",
    "country": "SY",
    "whc_id": 23,
    "inscribed_year": 1980,
    "danger_list_year": 2013,
    "lat": 34.55417,
    "lon": 38.26667,
    "description": (
        "Ruins of a great caravan city in an oasis of the Syrian desert, north-east of Damascus, "
        "whose 1st- and 2nd-century art and architecture blend Graeco-Roman techniques with local "
        "and Persian traditions. Inscribed in 1980 (criteria i, ii, iv) and placed on the List of "
        "World Heritage in Danger in 2013 because of the armed conflict that began in March 2011."
    ),
    "source": "unesco_whc_23",
}

MONUMENTS: list[dict] = [
    {
        "key": "temple_of_bel",
        "name": "Temple of Bel",
        "alt_names": ["معبد بل", "Ma'bad Bal", "Temple de Bêl", "Sanctuary of Bel"],
        "type": "temple",
        "period": "1st century AD (dedicated 32 AD)",
        "lat": 34.54738,
        "lon": 38.27393,
        "location_precision_m": 50,
        "sensitive": False,
        "description": (
            "Sanctuary of the god Bel in the south-eastern part of the ancient city, dedicated in "
            "32 AD. Its cella and an adjacent row of columns were blown up by Islamic State at the "
            "end of August 2015; the gateway and the outer enclosure walls were left standing."
        ),
        "sources": [
            "geonames_bel",
            "ap_museum_2016",
            "ap_unosat_bel",
            "bbc_bel_2015",
            "wikimapia_bel",
        ],
    },
    {
        "key": "temple_of_baalshamin",
        "name": "Temple of Baalshamin",
        "alt_names": ["معبد بعل شمين", "Temple of Baal Shamin", "Temple de Baalshamin"],
        "type": "temple",
        "period": "Late 2nd century BC (earliest phase); altar 115 AD; rebuilt 131 AD",
        "lat": 34.55340,
        "lon": 38.26994,
        "location_precision_m": 50,
        "sensitive": False,
        "description": (
            "Temple of the sky god Baalshamin north of the main colonnaded street, largely rebuilt "
            "in 131 AD and later converted into a church. It was one of the most complete ancient "
            "buildings at Palmyra until Islamic State blew it up in August 2015."
        ),
        "sources": ["wiki_baalshamin", "afp_unitar_baalshamin"],
    },
    {
        "key": "monumental_arch",
        "name": "Monumental Arch (Arch of Triumph)",
        "alt_names": [
            "قوس النصر",
            "Arch of Triumph",
            "Arch of Septimius Severus",
            "Arc monumental",
        ],
        "type": "arch",
        "period": "Reign of Septimius Severus (193-211 AD); restored in the 1930s",
        "lat": 34.54997,
        "lon": 38.27100,
        "location_precision_m": 50,
        "sensitive": False,
        "description": (
            "Ornamental arch with two facades set at an angle, masking the 30-degree bend of the "
            "main street between the Tetrapylon and the Temple of Bel. Blown up by Islamic State "
            "in October 2015; most of its stonework survives."
        ),
        "sources": ["wiki_arch", "reuters_arch_2015"],
    },
    {
        "key": "tetrapylon",
        "name": "Tetrapylon",
        "alt_names": ["التترابيل", "Great Tetrapylon", "Tetrakionion", "Tétrapyle"],
        "type": "tetrapylon",
        "period": "Late 3rd century AD (reign of Diocletian); re-erected 1963",
        "lat": 34.55050,
        "lon": 38.26870,
        "location_precision_m": 400,
        "sensitive": False,
        "description": (
            "Four plinths each carrying four columns and a cornice, marking the second bend of "
            "the colonnaded street where side streets run south-west to the Agora and north-east "
            "to the Temple of Baalshamin; only one of the 16 pink Aswan-granite columns was "
            "original, the rest dating from the 1963 reconstruction. No point of the monument "
            "itself was found: the coordinates are those of the Great Colonnade (Wikipedia), "
            "hence the wide radius."
        ),
        "sources": [
            "syriaphotoguide_tetrapylon",
            "lonelyplanet_tetrapylon",
            "wiki_colonnade",
            "telegraph_2017",
        ],
    },
    {
        "key": "roman_theatre",
        "name": "Roman theatre",
        "alt_names": ["المسرح الروماني بتدمر", "Roman Theatre at Palmyra", "Théâtre de Palmyre"],
        "type": "theatre",
        "period": "Late 2nd century AD (Severan period, left unfinished)",
        "lat": 34.55077,
        "lon": 38.26876,
        "location_precision_m": 50,
        "sensitive": False,
        "description": (
            "Unfinished theatre with a cavea 92 m across, set in a semicircular colonnaded piazza "
            "south-west of the main street and restored in modern times. Islamic State used it for "
            "executions and damaged its stage backdrop (scaenae frons) in early 2017."
        ),
        "sources": ["wiki_theatre", "asor_chi_2017", "ida_replica_2016"],
    },
    {
        "key": "great_colonnade",
        "name": "Great Colonnade",
        "alt_names": ["الطريق المستقيم", "Decumanus", "Grande colonnade"],
        "type": "colonnade",
        "period": "2nd-3rd century AD (western section begun before 158 AD)",
        "lat": 34.55050,
        "lon": 38.26870,
        "location_precision_m": 600,
        "sensitive": False,
        "description": (
            "Main colonnaded avenue, more than a kilometre long, linking the Temple of Bel in the "
            "south-east with the West Gate and the Funerary Temple in the north-west, built in "
            "three sections. The point is mid-way along the street, hence the wide radius."
        ),
        "sources": ["wiki_colonnade"],
    },
    {
        "key": "agora",
        "name": "Agora",
        "alt_names": ["الآغورا", "Agora of Palmyra"],
        "type": "agora",
        "period": "Roman period (Palmyrene Tariff of 137 AD found in the adjoining Tariff Court)",
        "lat": 34.55077,
        "lon": 38.26876,
        "location_precision_m": 300,
        "sensitive": False,
        "description": (
            "Courtyard of about 84 by 71 m, once surrounded by porticoes whose columns carried "
            "statues of officials, senators, officers and caravan leaders; it served as the city's "
            "meeting place and caravan market. It lies behind the theatre; no point of its own was "
            "found, so the theatre's coordinates are used with a wider radius."
        ),
        "sources": [
            "lonelyplanet_agora",
            "syriaphotoguide_agora",
            "global_geography_agora",
            "wiki_theatre",
        ],
    },
    {
        "key": "tower_of_elahbel",
        "name": "Tower of Elahbel",
        "alt_names": ["Tower 13", "Kubbet el 'Arus", "Tour d'Elahbel"],
        "type": "tomb",
        "period": "Completed 103 AD",
        "lat": 34.55358,
        "lon": 38.25032,
        "location_precision_m": 50,
        "sensitive": True,
        "description": (
            "Four-storey sandstone tower tomb in the Valley of the Tombs, built by Marcus Ulpius "
            "Elahbelus and his brothers; early Chinese silk was found in its burials. Destroyed "
            "with explosives by Islamic State between 27 August and 2 September 2015."
        ),
        "sources": ["wiki_elahbel", "ap_tower_tombs_2015"],
    },
    {
        "key": "camp_of_diocletian",
        "name": "Camp of Diocletian",
        "alt_names": ["معسكر ديوقلسيان", "Camp de Dioclétien"],
        "type": "military_camp",
        "period": "Built 293-305 AD under Diocletian",
        "lat": 34.55480,
        "lon": 38.26100,
        "location_precision_m": 150,
        "sensitive": False,
        "description": (
            "Roman military complex of about 4 ha at the western end of the city, headquarters of "
            "the Legio I Illyricorum, laid out around two colonnaded streets and enclosing the "
            "older Temple of Allat. The point stands for the whole complex."
        ),
        "sources": ["wiki_camp"],
    },
    {
        "key": "palmyra_castle",
        "name": "Fakhr al-Din al-Ma'ani Castle (Palmyra Castle)",
        "alt_names": [
            "قلعة فخر الدين المعني",
            "Palmyra Castle",
            "Tadmur Castle",
            "Qal'at Ibn Ma'n",
        ],
        "type": "fortification",
        "period": "13th century (Mamluk); named after the emir Fakhr al-Din II",
        "lat": 34.56275,
        "lon": 38.25744,
        "location_precision_m": 50,
        "sensitive": False,
        "description": (
            "Castle on a high hill overlooking the ancient city, with thick walls and a moat once "
            "crossed by a drawbridge. It was damaged when Syrian forces retook Palmyra in March "
            "2016."
        ),
        "sources": ["wiki_castle", "arabweekly_2016"],
    },
    {
        "key": "palmyra_museum",
        "name": "Palmyra Museum",
        "alt_names": ["متحف تدمر", "Palmyra Archaeological Museum", "National Museum of Palmyra"],
        "type": "museum",
        "period": "Opened 1961",
        "lat": 34.56000,
        "lon": 38.26722,
        "location_precision_m": 1000,
        "sensitive": False,
        "description": (
            "Museum of the modern town of Tadmur, founded in 1961, holding funerary sculpture, "
            "mosaics and other finds from Palmyra. No point of the building was found: the "
            "coordinates are those of Tadmur town (the museum is in its south-west), hence the "
            "wide radius."
        ),
        "sources": ["syriaphotoguide_museum", "wiki_tadmur"],
    },
]

DAMAGE_HISTORY: list[dict] = [
    # --- Temple of Bel ------------------------------------------------------------------------
    {
        "monument_key": "temple_of_bel",
        "observed_on": date(2010, 8, 4),
        "method": "photo_review",
        "damage_level": "no_visible_damage",
        "extent_percent": 0,
        "causes": [],
        "confidence": "medium",
        "source": "reuters_gallery_2015",
        "notes": "Reuters photograph of 4 August 2010 shows the temple standing intact.",
    },
    {
        "monument_key": "temple_of_bel",
        "observed_on": date(2015, 8, 27),
        "method": "satellite_imagery",
        "damage_level": "no_visible_damage",
        "extent_percent": 0,
        "causes": [],
        "confidence": "high",
        "source": "ap_unosat_bel",
        "notes": "UNOSAT's 27 August 2015 image showed the main building and columns still intact.",
    },
    {
        "monument_key": "temple_of_bel",
        "observed_on": date(2015, 8, 30),
        "method": "media_report",
        "damage_level": "severe_damage",
        "extent_percent": None,
        "causes": ["deliberate_destruction", "explosives"],
        "confidence": "low",
        "source": "reuters_gallery_2015",
        "notes": (
            "The Syrian Observatory for Human Rights said on 30 August 2015 that Islamic State had "
            "destroyed part of the temple; the extent was then unverified."
        ),
    },
    {
        "monument_key": "temple_of_bel",
        "observed_on": date(2015, 8, 31),
        "method": "satellite_imagery",
        "damage_level": "destroyed",
        "extent_percent": None,
        "causes": ["deliberate_destruction", "explosives"],
        "confidence": "high",
        "source": "ap_unosat_bel",
        "notes": (
            "UNOSAT imagery of 31 August 2015 shows the temple's main building (cella) and a row "
            "of columns next to it destroyed; the gateway and enclosure walls are not reported "
            "destroyed."
        ),
    },
    # --- Temple of Baalshamin -----------------------------------------------------------------
    {
        "monument_key": "temple_of_baalshamin",
        "observed_on": date(2015, 6, 26),
        "method": "satellite_imagery",
        "damage_level": "no_visible_damage",
        "extent_percent": 0,
        "causes": [],
        "confidence": "medium",
        "source": "afp_unitar_baalshamin",
        "notes": "UNITAR-UNOSAT used an image of 26 June 2015 as the pre-destruction reference.",
    },
    {
        "monument_key": "temple_of_baalshamin",
        "observed_on": date(2015, 8, 27),
        "method": "satellite_imagery",
        "damage_level": "destroyed",
        "extent_percent": None,
        "causes": ["deliberate_destruction", "explosives"],
        "confidence": "high",
        "source": "afp_unitar_baalshamin",
        "notes": (
            "UNITAR-UNOSAT imagery of 27 August 2015 confirms the main building destroyed while "
            "the surrounding columns seem less affected; the blast reportedly took place on 23 "
            "August."
        ),
    },
    # --- Monumental Arch ----------------------------------------------------------------------
    {
        "monument_key": "monumental_arch",
        "observed_on": date(2010, 8, 5),
        "method": "photo_review",
        "damage_level": "no_visible_damage",
        "extent_percent": 0,
        "causes": [],
        "confidence": "medium",
        "source": "reuters_gallery_2015",
        "notes": "Reuters photograph of 5 August 2010 shows the Monumental Arch standing.",
    },
    {
        "monument_key": "monumental_arch",
        "observed_on": date(2015, 10, 4),
        "method": "media_report",
        "damage_level": "destroyed",
        "extent_percent": None,
        "causes": ["deliberate_destruction", "explosives"],
        "confidence": "medium",
        "source": "reuters_arch_2015",
        "notes": (
            "Syria's antiquities chief Maamoun Abdulkarim told Reuters on 4 October 2015 that "
            "sources in Palmyra confirmed Islamic State had blown up the Arch of Triumph."
        ),
    },
    # --- Tower of Elahbel ---------------------------------------------------------------------
    {
        "monument_key": "tower_of_elahbel",
        "observed_on": date(2015, 8, 27),
        "method": "satellite_imagery",
        "damage_level": "no_visible_damage",
        "extent_percent": 0,
        "causes": [],
        "confidence": "medium",
        "source": "ap_tower_tombs_2015",
        "notes": (
            "ASOR dates the tomb's destruction after its 27 August 2015 image, so the tower still "
            "stood in that image."
        ),
    },
    {
        "monument_key": "tower_of_elahbel",
        "observed_on": date(2015, 9, 2),
        "method": "satellite_imagery",
        "damage_level": "destroyed",
        "extent_percent": 100,
        "causes": ["deliberate_destruction", "explosives"],
        "confidence": "high",
        "source": "ap_tower_tombs_2015",
        "notes": (
            "ASOR's Syrian Heritage Initiative imagery of 2 September 2015 shows the Tower of "
            "Elahbel among seven tower tombs destroyed since late June 2015."
        ),
    },
    # --- Tetrapylon ---------------------------------------------------------------------------
    {
        "monument_key": "tetrapylon",
        "observed_on": date(2016, 12, 26),
        "method": "satellite_imagery",
        "damage_level": "no_visible_damage",
        "extent_percent": 0,
        "causes": [],
        "confidence": "medium",
        "source": "asor_chi_2017",
        "notes": (
            "ASOR places the damage between its 26 December 2016 and 10 January 2017 images, so "
            "the Tetrapylon was standing in the earlier one."
        ),
    },
    {
        "monument_key": "tetrapylon",
        "observed_on": date(2017, 1, 10),
        "method": "satellite_imagery",
        "damage_level": "destroyed",
        "extent_percent": 88,
        "causes": ["deliberate_destruction", "explosives"],
        "confidence": "high",
        "source": "asor_chi_2017",
        "notes": (
            "ASOR imagery of 10 January 2017: apparently blown up, only two of the 16 columns "
            "still standing, column drums and debris on the ground (88% = 14 of 16 columns down)."
        ),
    },
    {
        "monument_key": "tetrapylon",
        "observed_on": date(2017, 1, 20),
        "method": "satellite_imagery",
        "damage_level": "destroyed",
        "extent_percent": None,
        "causes": ["deliberate_destruction"],
        "confidence": "high",
        "source": "unesco_dg_2017",
        "notes": (
            "UNESCO cites UNITAR-UNOSAT imagery released on 20 January 2017 confirming the "
            "destruction of the Tetrapylon (date of release; imagery date not given)."
        ),
    },
    # --- Roman theatre ------------------------------------------------------------------------
    {
        "monument_key": "roman_theatre",
        "observed_on": date(2016, 12, 26),
        "method": "satellite_imagery",
        "damage_level": "no_visible_damage",
        "extent_percent": 0,
        "causes": [],
        "confidence": "medium",
        "source": "dgam_asor_2017",
        "notes": "ASOR's 26 December 2016 image is the reference before the damage to the stage.",
    },
    {
        "monument_key": "roman_theatre",
        "observed_on": date(2017, 1, 10),
        "method": "satellite_imagery",
        "damage_level": "moderate_damage",
        "extent_percent": None,
        "causes": ["deliberate_destruction"],
        "confidence": "medium",
        "source": "asor_chi_2017",
        "notes": (
            "ASOR imagery shows damage to the scaenae frons, mainly around the porticus, with new "
            "stone debris across the stage; likely intentional, cause not verified."
        ),
    },
    {
        "monument_key": "roman_theatre",
        "observed_on": date(2017, 1, 20),
        "method": "satellite_imagery",
        "damage_level": "severe_damage",
        "extent_percent": None,
        "causes": ["deliberate_destruction"],
        "confidence": "high",
        "source": "unesco_dg_2017",
        "notes": (
            "UNESCO cites UNITAR-UNOSAT imagery confirming destruction of parts of the theatre's "
            "proscenium and calls the damage severe (release date)."
        ),
    },
    # --- Great Colonnade ----------------------------------------------------------------------
    {
        "monument_key": "great_colonnade",
        "observed_on": date(2010, 8, 5),
        "method": "photo_review",
        "damage_level": "no_visible_damage",
        "extent_percent": 0,
        "causes": [],
        "confidence": "low",
        "source": "reuters_gallery_2015",
        "notes": "Reuters photograph of 5 August 2010 shows the colonnade standing (one view).",
    },
    # --- Palmyra Museum -----------------------------------------------------------------------
    {
        "monument_key": "palmyra_museum",
        "observed_on": date(2016, 3, 27),
        "method": "media_report",
        "damage_level": "severe_damage",
        "extent_percent": None,
        "causes": ["deliberate_destruction", "vandalism", "military_activity"],
        "confidence": "medium",
        "source": "ap_museum_2016",
        "notes": (
            "Syrian TV footage after the recapture showed shattered statues on the floor, about 20 "
            "statues defaced or beheaded, a shell hole in the ceiling and a wrecked basement."
        ),
    },
    {
        "monument_key": "palmyra_museum",
        "observed_on": date(2016, 4, 16),
        "method": "field_survey",
        "damage_level": "severe_damage",
        "extent_percent": None,
        "causes": ["deliberate_destruction", "looting", "military_activity"],
        "confidence": "high",
        "source": "ap_museum_markowski_2016",
        "notes": (
            "Bartosz Markowski (Polish Centre of Mediterranean Archaeology) reported after a week "
            "on site that most of the ~200 ground-floor objects were smashed, many stolen, and "
            "the building structurally damaged by bombs (date of report)."
        ),
    },
    # --- Palmyra Castle -----------------------------------------------------------------------
    {
        "monument_key": "palmyra_castle",
        "observed_on": date(2016, 3, 27),
        "method": "photo_review",
        "damage_level": "moderate_damage",
        "extent_percent": None,
        "causes": ["military_activity"],
        "confidence": "medium",
        "source": "ap_citadel_photo_2016",
        "notes": (
            "A SANA photograph of 27 March 2016 distributed by AP shows damage to the citadel "
            "after fighting between government forces and Islamic State."
        ),
    },
    {
        "monument_key": "palmyra_castle",
        "observed_on": date(2016, 3, 27),
        "method": "media_report",
        "damage_level": "moderate_damage",
        "extent_percent": None,
        "causes": ["explosives", "military_activity"],
        "confidence": "low",
        "source": "wiki_castle",
        "notes": (
            "Wikipedia reports that retreating Islamic State fighters blew up parts of the castle, "
            "including the entrance stairway, while its basic structure survived."
        ),
    },
    {
        "monument_key": "palmyra_castle",
        "observed_on": date(2016, 4, 1),
        "method": "media_report",
        "damage_level": "moderate_damage",
        "extent_percent": None,
        "causes": ["military_activity"],
        "confidence": "medium",
        "source": "arabweekly_2016",
        "notes": (
            "Maamoun Abdulkarim (DGAM) said the fighting to recapture the city harmed no monument "
            "except the 13th-century Fakhr al-Din al-Maani castle."
        ),
    },
]

RESTORATION_OPINIONS: list[dict] = [
    # --- seed article, 27 March 2016 ----------------------------------------------------------
    {
        "monument_key": None,
        "assessed_on": date(2016, 3, 27),
        "feasibility": "feasible",
        "approach": "anastylosis",
        "restorable_percent": None,
        "prerequisites": [],
        "author_organisation": "Directorate-General of Antiquities and Museums (DGAM), Syria",
        "source": "seed_rt_2016",
        "notes": (
            "Maamoun Abdelkarim said the destroyed monuments could be rebuilt with the stones that "
            "remain (wording from the seed article as given in the brief)."
        ),
    },
    {
        "monument_key": None,
        "assessed_on": date(2016, 3, 27),
        "feasibility": "feasible",
        "approach": "anastylosis",
        "restorable_percent": 90,
        "prerequisites": [],
        "author_organisation": "Franklin Lamb (commentator; no organisation given)",
        "source": "seed_rt_2016",
        "notes": (
            "Franklin Lamb claimed that 90-95% of the damage can be restored (90 is the lower "
            "bound; approach not stated in the quotation)."
        ),
    },
    {
        "monument_key": None,
        "assessed_on": date(2016, 3, 27),
        "feasibility": "undetermined",
        "approach": "documentation_only",
        "restorable_percent": None,
        "prerequisites": ["demining", "security_clearance", "documentation"],
        "author_organisation": "UNESCO",
        "source": "seed_rt_2016",
        "notes": (
            "Giovanni Boccardi called for a total assessment as soon as security conditions allow, "
            "warning of mines left on the site."
        ),
    },
    # --- DGAM, April 2016 ---------------------------------------------------------------------
    {
        "monument_key": "monumental_arch",
        "assessed_on": date(2016, 4, 1),
        "feasibility": "feasible",
        "approach": "anastylosis",
        "restorable_percent": None,
        "prerequisites": [],
        "author_organisation": "Directorate-General of Antiquities and Museums (DGAM), Syria",
        "source": "arabweekly_2016",
        "notes": (
            "Abdulkarim said the arch's monumental stone blocks appear intact and it may be "
            "re-erected; he judged the two main temples and the tower tombs the hardest cases."
        ),
    },
    # --- Russian experts, 2016 ----------------------------------------------------------------
    {
        "monument_key": "temple_of_baalshamin",
        "assessed_on": date(2016, 4, 18),
        "feasibility": "not_feasible",
        "approach": "documentation_only",
        "restorable_percent": None,
        "prerequisites": ["security_clearance"],
        "author_organisation": (
            "D.S. Likhachev Russian Research Institute of Cultural and Natural Heritage"
        ),
        "source": "tass_karmov_2016",
        "notes": (
            "After a first inspection Timur Karmov said the temples of Bel and Baalshamin, several "
            "tombs and the arch were too badly destroyed to be restored."
        ),
    },
    {
        "monument_key": "monumental_arch",
        "assessed_on": date(2016, 4, 18),
        "feasibility": "not_feasible",
        "approach": "reconstruction",
        "restorable_percent": None,
        "prerequisites": ["security_clearance"],
        "author_organisation": (
            "D.S. Likhachev Russian Research Institute of Cultural and Natural Heritage"
        ),
        "source": "tass_karmov_2016",
        "notes": (
            "Karmov said that if restoring the arch were decided it would have to be recreated "
            "from small fragments; he judged it too early for any restoration work."
        ),
    },
    {
        "monument_key": "temple_of_baalshamin",
        "assessed_on": date(2016, 7, 14),
        "feasibility": "feasible",
        "approach": "anastylosis",
        "restorable_percent": 75,
        "prerequisites": ["documentation", "funding"],
        "author_organisation": "Grabar Art Conservation Centre (Russia)",
        "source": "tass_lesovoi_2016",
        "notes": (
            "Aleksander Lesovoi said the large blocks remained on the surface and new additions "
            "would be under 25%; clearing and labelling the stones first would need about USD "
            "10,000."
        ),
    },
    {
        "monument_key": "temple_of_bel",
        "assessed_on": date(2016, 7, 14),
        "feasibility": "not_feasible",
        "approach": "reconstruction",
        "restorable_percent": None,
        "prerequisites": [],
        "author_organisation": "Grabar Art Conservation Centre (Russia)",
        "source": "tass_lesovoi_2016",
        "notes": (
            "Lesovoi said the Temple of Bel broke into tiny pieces, only its western colonnade "
            "survived, and it could only be created afresh."
        ),
    },
    {
        "monument_key": "monumental_arch",
        "assessed_on": date(2016, 7, 14),
        "feasibility": "partially_feasible",
        "approach": "reconstruction",
        "restorable_percent": 25,
        "prerequisites": [],
        "author_organisation": "Grabar Art Conservation Centre (Russia)",
        "source": "tass_lesovoi_2016",
        "notes": (
            "Lesovoi said the middle part of the arch fell and a restored arch would be 70-75% new "
            "work (25 = original share at the upper estimate of new work)."
        ),
    },
    {
        "monument_key": "palmyra_castle",
        "assessed_on": date(2016, 7, 14),
        "feasibility": "feasible",
        "approach": "consolidation",
        "restorable_percent": None,
        "prerequisites": [],
        "author_organisation": "Grabar Art Conservation Centre (Russia)",
        "source": "tass_lesovoi_2016",
        "notes": (
            "Lesovoi said the castle might be restored as its damage is reparable (approach not "
            "specified in the source; consolidation assumed)."
        ),
    },
    {
        "monument_key": "temple_of_baalshamin",
        "assessed_on": date(2016, 7, 26),
        "feasibility": "feasible",
        "approach": "anastylosis",
        "restorable_percent": None,
        "prerequisites": ["security_clearance", "documentation"],
        "author_organisation": "State Hermitage Museum (Russian expert mission, 5-9 July 2016)",
        "source": "tass_piotrovsky_2016",
        "notes": (
            "Mikhail Piotrovsky said the mission's report to UNESCO found the Temple of Baalshamin "
            "may be fully restored, and that restoration can start once hostilities cease."
        ),
    },
    # --- replica and later plans --------------------------------------------------------------
    {
        "monument_key": "monumental_arch",
        "assessed_on": date(2016, 4, 19),
        "feasibility": "feasible",
        "approach": "replica",
        "restorable_percent": None,
        "prerequisites": ["documentation"],
        "author_organisation": (
            "Institute for Digital Archaeology (Oxford, Harvard, Museum of the Future)"
        ),
        "source": "ida_replica_2016",
        "notes": (
            "A six-metre scale replica of the arch in Egyptian marble, carved in Tuscany from 3D "
            "models, was unveiled in Trafalgar Square, London, on 19 April 2016."
        ),
    },
    {
        "monument_key": None,
        "assessed_on": date(2017, 6, 30),
        "feasibility": "feasible",
        "approach": "anastylosis",
        "restorable_percent": 98,
        "prerequisites": [],
        "author_organisation": "Paolo Matthiae (archaeologist, excavator of Ebla)",
        "source": "ansa_matthiae_2017",
        "notes": (
            "Matthiae said only 20-30% of the site is seriously damaged, the arch can be rebuilt, "
            "and 98% of the site might be restored with traditional methods and new technology."
        ),
    },
    {
        "monument_key": "palmyra_museum",
        "assessed_on": date(2019, 11, 28),
        "feasibility": "feasible",
        "approach": "consolidation",
        "restorable_percent": None,
        "prerequisites": ["security_clearance"],
        "author_organisation": "State Hermitage Museum; DGAM",
        "source": "moscowtimes_2019",
        "notes": (
            "Agreements signed in Damascus in November 2019 put restoration of the Palmyra museum "
            "first; Piotrovsky earlier estimated about two years of work (date of report; approach "
            "assumed)."
        ),
    },
    {
        "monument_key": "monumental_arch",
        "assessed_on": date(2020, 3, 23),
        "feasibility": "feasible",
        "approach": "anastylosis",
        "restorable_percent": None,
        "prerequisites": ["documentation"],
        "author_organisation": (
            "Institute for the History of Material Culture, Russian Academy of Sciences; DGAM"
        ),
        "source": "sputnik_arch_2020",
        "notes": (
            "Signing of a plan to rebuild the arch, based on the institute's 3D model, was "
            "postponed by the COVID-19 pandemic, DGAM head Mahmoud Hammoud said."
        ),
    },
    {
        "monument_key": "monumental_arch",
        "assessed_on": date(2023, 11, 17),
        "feasibility": "feasible",
        "approach": "anastylosis",
        "restorable_percent": None,
        "prerequisites": ["documentation"],
        "author_organisation": (
            "Institute for the History of Material Culture, Russian Academy of Sciences"
        ),
        "source": "interfax_arch_2023",
        "notes": (
            "Vladimir Putin said the institute had catalogued every fragment of the arch and would "
            "soon start its restoration with Syrian colleagues."
        ),
    },
]
