from django.contrib import admin

from hoviat.places.models import City, County, NationalCodePrefix, Province


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fa", "name_en", "population_1395")
    search_fields = ("code", "name_fa", "name_en")


class PrefixInline(admin.TabularInline):
    model = NationalCodePrefix
    extra = 0


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ("name_fa", "name_en", "province")
    list_filter = ("province",)
    search_fields = ("name_fa", "name_en")
    inlines = [PrefixInline]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("name_fa", "name_en", "county", "province", "is_provincial_capital")
    list_filter = ("province",)
    search_fields = ("name_fa", "name_en")


@admin.register(NationalCodePrefix)
class NationalCodePrefixAdmin(admin.ModelAdmin):
    # Staff look up "where was this code issued?" by typing the first three digits.
    list_display = ("prefix", "county", "province")
    list_select_related = ("county__province",)
    list_filter = ("county__province",)
    search_fields = ("prefix", "county__name_fa", "county__name_en")

    @admin.display(description="استان", ordering="county__province__name_fa")
    def province(self, obj):
        return obj.county.province
